import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { PathLensError } from '@pathlens/core';
import type { SniffedFile } from '../file-signature.ts';
import { mppFromResolution } from '../resolution-mpp.ts';
import type { SlideProperties } from '../slide-reader.ts';
import { checkDecodedSize, checkDeclaredSize, type SlideSizeLimits } from '../slide-size-limits.ts';
import { describeTiffSlide } from '../tiff/describe-tiff-slide.ts';
import { readTiffPages, type TiffPage } from '../tiff/read-tiff-pages.ts';
import { openPipeline, toRgbImage, type RasterSource } from './raster-source.ts';
import { SharpSlideReader } from './sharp-slide-reader.ts';

/** TIFF compressions libvips (as shipped with sharp) cannot decode: Aperio and plain JPEG 2000. */
const jpeg2000Compressions = new Set([33003, 33005, 34712]);

/** Opens a sniffed file with sharp: TIFF pages are read on demand, PNG/JPEG decoded once. */
export async function openSharpSlide(
  filePath: string,
  sniffed: SniffedFile,
  limits: SlideSizeLimits,
): Promise<SharpSlideReader> {
  return sniffed.signature === 'png' || sniffed.signature === 'jpeg'
    ? openDecodedImage(filePath, sniffed.signature, limits)
    : openTiff(filePath, sniffed, limits);
}

async function openTiff(filePath: string, sniffed: SniffedFile, limits: SlideSizeLimits): Promise<SharpSlideReader> {
  const pages = await readTiffPages(filePath, sniffed.fileSizeBytes, (page) =>
    checkDeclaredSize(filePath, page.widthPx, page.heightPx, limits, `page ${page.index}`),
  );
  const layout = describeTiffSlide(pages, filePath);
  const jpeg2000Level = layout.levels.find((level) => jpeg2000Compressions.has(level.page.compression));
  if (jpeg2000Level) {
    throw new PathLensError(
      'unsupported_format',
      `${filePath} stores its pixels as JPEG 2000 (TIFF compression ${jpeg2000Level.page.compression}), which this reader cannot decode. ` +
        'Re-encode it as a JPEG-compressed pyramidal TIFF (`vips tiffsave in.svs out.tif --tile --pyramid --compression jpeg`).',
      { path: filePath, compression: jpeg2000Level.page.compression },
    );
  }

  const sourceOf = (page: TiffPage): RasterSource => ({
    // Strip-stored pages after page 0 break under libvips' operation cache: see raster-source.ts.
    // geotiff only follows the main IFD chain, so SubIFD pages always go to sharp.
    kind: page.tileWidthPx === null && page.index > 0 && page.subIfdIndex === undefined ? 'geotiff-page' : 'sharp-page',
    filePath,
    pageIndex: page.index,
    ...(page.subIfdIndex === undefined ? {} : { subIfdIndex: page.subIfdIndex }),
    widthPx: page.widthPx,
    heightPx: page.heightPx,
    ...(page.tileWidthPx && page.tileHeightPx
      ? { tileWidthPx: page.tileWidthPx, tileHeightPx: page.tileHeightPx }
      : {}),
  });
  const levelSources = layout.levels.map((level) => sourceOf(level.page));

  // Decode one pixel of every level now, so a file sharp cannot decode fails at open, not mid-ingest.
  for (const source of levelSources)
    await toRgbImage(await openPipeline(source, { left: 0, top: 0, width: 1, height: 1 }), source);

  const properties: SlideProperties = {
    format: layout.format,
    reader: 'sharp',
    files: [path.resolve(filePath)],
    vendor: layout.vendor,
    levels: layout.levels.map(({ widthPx, heightPx, downsample }) => ({ widthPx, heightPx, downsample })),
    mppX: layout.mppX,
    mppY: layout.mppY,
    mppProvenance: layout.mppProvenance,
    objectivePower: layout.objectivePower,
    associatedImages: layout.associatedImages.map(({ name }) => name),
  };
  return new SharpSlideReader({
    properties,
    levelSources,
    associatedSources: new Map(layout.associatedImages.map(({ name, page }) => [name, sourceOf(page)])),
    maxDecodedPixels: limits.maxDecodedPixels,
  });
}

/** PNG and JPEG can't be read in pieces, so they are decoded once (size-guarded) and kept. */
async function openDecodedImage(
  filePath: string,
  format: 'png' | 'jpeg',
  limits: SlideSizeLimits,
): Promise<SharpSlideReader> {
  let metadata: Metadata;
  try {
    metadata = await sharp(filePath, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new PathLensError(
      'corrupt_file',
      `${filePath} looks like a ${format.toUpperCase()} but its header cannot be read: ${(error as Error).message}.`,
      { path: filePath },
      { cause: error },
    );
  }
  const { width: widthPx, height: heightPx } = metadata.autoOrient;
  checkDeclaredSize(filePath, widthPx, heightPx, limits);
  checkDecodedSize(filePath, widthPx, heightPx, limits);

  const image = await toRgbImage(sharp(filePath, { limitInputPixels: false }).autoOrient(), { filePath });
  const mpp = mppFromResolution(metadata.density, 'inch');
  const properties: SlideProperties = {
    format,
    reader: 'sharp',
    files: [path.resolve(filePath)],
    vendor: null,
    levels: [{ widthPx: image.widthPx, heightPx: image.heightPx, downsample: 1 }],
    mppX: mpp,
    mppY: mpp,
    mppProvenance: mpp ? 'image_density' : null,
    objectivePower: null,
    associatedImages: [],
  };
  const source: RasterSource = { kind: 'decoded', filePath, image, widthPx: image.widthPx, heightPx: image.heightPx };
  return new SharpSlideReader({
    properties,
    levelSources: [source],
    associatedSources: new Map(),
    maxDecodedPixels: limits.maxDecodedPixels,
  });
}
