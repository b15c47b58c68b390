import sharp, { type Sharp } from 'sharp';
import { PathLensError } from '@pathlens/core';
import type { RgbImage } from '../slide-reader.ts';

/**
 * Where sharp reads one stored image from: a page of a TIFF file (read on demand, tile by
 * tile), or pixels already decoded into memory (PNG and JPEG, which can't be read in pieces).
 */
export type RasterSource =
  | { kind: 'tiff-page'; filePath: string; pageIndex: number; widthPx: number; heightPx: number }
  | { kind: 'decoded'; filePath: string; image: RgbImage; widthPx: number; heightPx: number };

const white = { r: 255, g: 255, b: 255, alpha: 1 } as const;

/** A fresh sharp pipeline over the source. */
export function sharpFor(source: RasterSource): Sharp {
  if (source.kind === 'decoded') {
    const { image } = source;
    return sharp(image.data, { raw: { width: image.widthPx, height: image.heightPx, channels: 3 } });
  }
  // Slides exceed sharp's default 268-MP guard; openSlide has already checked the declared size.
  return sharp(source.filePath, { page: source.pageIndex, limitInputPixels: false });
}

/** Runs a pipeline to 8-bit RGB: transparency over white, grey/CMYK/16-bit converted. */
export async function toRgbImage(pipeline: Sharp, origin: { filePath: string; pageIndex?: number }): Promise<RgbImage> {
  try {
    const { data, info } = await pipeline
      .flatten({ background: white })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
    return { data, widthPx: info.width, heightPx: info.height };
  } catch (error) {
    throw new PathLensError(
      'corrupt_file',
      `Cannot decode ${origin.filePath}${origin.pageIndex === undefined ? '' : ` (page ${origin.pageIndex})`}: ${(error as Error).message}. The file may be damaged; copy it again from its source.`,
      { path: origin.filePath },
      { cause: error },
    );
  }
}

/** A white image of the given size (regions entirely outside the slide). */
export function whiteImage(widthPx: number, heightPx: number): RgbImage {
  return { data: Buffer.alloc(widthPx * heightPx * 3, 255), widthPx, heightPx };
}

export { white as whiteBackground };
