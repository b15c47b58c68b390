import { fromFile } from 'geotiff';
import sharp, { type Sharp } from 'sharp';
import { PathLensError } from '@pathlens/core';
import type { RgbImage } from '../slide-reader.ts';

/**
 * Where one stored image is read from.
 * - `sharp-page`: a TIFF page libvips reads in any order (tiled pages, and page 0).
 * - `geotiff-page`: a strip-stored TIFF page after page 0 (Aperio thumbnail, label, macro).
 *   libvips reads those only front to back, and its operation cache hands the already-read
 *   loader to the next request for the same page, which then fails with "out of order read"
 *   (sharp 0.35 / libvips 8.18). geotiff decodes them the same (mean difference < 0.05 on
 *   CMU-1-Small-Region.svs), ~6× slower per pixel; they are small.
 * - `decoded`: pixels already in memory (PNG and JPEG, which can't be read in pieces).
 */
export type RasterSource =
  | {
      kind: 'sharp-page' | 'geotiff-page';
      filePath: string;
      pageIndex: number;
      /** Index into the page's SubIFDs (OME-TIFF pyramid levels); absent for the page itself. */
      subIfdIndex?: number;
      widthPx: number;
      heightPx: number;
      /** Tile size of a tiled page (absent for strips): patch-sized reads then go through decoded tile blocks. */
      tileWidthPx?: number;
      tileHeightPx?: number;
    }
  | { kind: 'decoded'; filePath: string; image: RgbImage; widthPx: number; heightPx: number };

/** A rectangle in the source's own pixels. */
export interface PixelWindow {
  left: number;
  top: number;
  width: number;
  height: number;
}

export const whiteBackground = { r: 255, g: 255, b: 255, alpha: 1 } as const;

/** A sharp pipeline over the source (cut to `window` when given), ready for resize/extend. */
export async function openPipeline(source: RasterSource, window?: PixelWindow): Promise<Sharp> {
  if (source.kind === 'geotiff-page') {
    const image = await readWithGeotiff(source, window);
    return sharp(image.data, { raw: { width: image.widthPx, height: image.heightPx, channels: 3 } });
  }
  const pipeline =
    source.kind === 'decoded'
      ? sharp(source.image.data, { raw: { width: source.image.widthPx, height: source.image.heightPx, channels: 3 } })
      : // Slides exceed sharp's default 268-MP guard; openSlide has already checked the declared size.
        sharp(source.filePath, {
          page: source.pageIndex,
          ...(source.subIfdIndex === undefined ? {} : { tiff: { subifd: source.subIfdIndex } }),
          limitInputPixels: false,
        });
  return window ? pipeline.extract(window) : pipeline;
}

/** Runs a pipeline to 8-bit RGB: transparency over white, grey/CMYK/16-bit converted. */
export async function toRgbImage(pipeline: Sharp, origin: { filePath: string; pageIndex?: number }): Promise<RgbImage> {
  try {
    const { data, info } = await pipeline
      .flatten({ background: whiteBackground })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
    return { data, widthPx: info.width, heightPx: info.height };
  } catch (error) {
    throw cannotDecode(origin, error);
  }
}

/** A white image of the given size (regions entirely outside the slide). */
export function whiteImage(widthPx: number, heightPx: number): RgbImage {
  return { data: Buffer.alloc(widthPx * heightPx * 3, 255), widthPx, heightPx };
}

async function readWithGeotiff(
  source: { filePath: string; pageIndex: number; widthPx: number; heightPx: number },
  window?: PixelWindow,
): Promise<RgbImage> {
  const { left, top, width, height } = window ?? { left: 0, top: 0, width: source.widthPx, height: source.heightPx };
  const tiff = await fromFile(source.filePath);
  try {
    const image = await tiff.getImage(source.pageIndex);
    const raster = await image.readRGB({ window: [left, top, left + width, top + height], interleave: true });
    const samples = raster as unknown as ArrayLike<number> & { BYTES_PER_ELEMENT?: number };
    if (samples.length !== width * height * 3)
      throw new Error(`decoded ${samples.length} samples, expected ${width * height * 3}`);
    const data =
      samples.BYTES_PER_ELEMENT === 1
        ? Buffer.from(
            (raster as unknown as Uint8Array).buffer,
            (raster as unknown as Uint8Array).byteOffset,
            samples.length,
          )
        : Buffer.from(Array.from(samples, (value) => value >> 8)); // 16-bit → 8-bit
    return { data, widthPx: width, heightPx: height };
  } catch (error) {
    throw cannotDecode(source, error);
  } finally {
    await tiff.close();
  }
}

function cannotDecode(origin: { filePath: string; pageIndex?: number }, error: unknown): PathLensError {
  return new PathLensError(
    'corrupt_file',
    `Cannot decode ${origin.filePath}${origin.pageIndex === undefined ? '' : ` (page ${origin.pageIndex})`}: ${(error as Error).message}. The file may be damaged; copy it again from its source.`,
    { path: origin.filePath },
    { cause: error },
  );
}
