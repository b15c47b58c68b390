import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { writeFileAtomically } from '@pathlens/core';
import { tissueGeoJson } from './tissue-geojson.ts';
import type { TissueMask } from './tissue-mask.ts';

/** `DATA_DIR/slides/<slideId>/`: the files PathLens derives from one slide (tissue mask, viewer tiles). */
export function slideFilesDirectory(dataDir: string, slideId: string): string {
  return path.join(dataDir, 'slides', slideId);
}

export function tissueMaskPath(dataDir: string, slideId: string): string {
  return path.join(slideFilesDirectory(dataDir, slideId), 'tissue-mask.png');
}

export function tissueGeoJsonPath(dataDir: string, slideId: string): string {
  return path.join(slideFilesDirectory(dataDir, slideId), 'tissue.geojson');
}

/**
 * Keep a slide's tissue mask as a greyscale PNG (255 tissue, 0 background, one pixel per mask
 * pixel) and its outlines as QuPath GeoJSON, both written atomically.
 */
export async function saveTissueMask(dataDir: string, slideId: string, mask: TissueMask): Promise<void> {
  const grey = Buffer.alloc(mask.data.length);
  for (let pixel = 0; pixel < grey.length; pixel++) grey[pixel] = mask.data[pixel] ? 255 : 0;
  const png = await sharp(grey, { raw: { width: mask.widthPx, height: mask.heightPx, channels: 1 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  await writeFileAtomically(tissueGeoJsonPath(dataDir, slideId), JSON.stringify(tissueGeoJson(mask)));
  await writeFileAtomically(tissueMaskPath(dataDir, slideId), png);
}

/** A stored tissue mask, its scale taken from the slide's level-0 size; null when none is stored. */
export async function loadTissueMask(
  dataDir: string,
  slideId: string,
  level0: { widthPx: number; heightPx: number },
): Promise<TissueMask | null> {
  let png: Buffer;
  try {
    png = await readFile(tissueMaskPath(dataDir, slideId));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const mask = new Uint8Array(data.length);
  for (let pixel = 0; pixel < mask.length; pixel++) mask[pixel] = data[pixel]! >= 128 ? 1 : 0;
  return {
    data: mask,
    widthPx: info.width,
    heightPx: info.height,
    downsampleX: level0.widthPx / info.width,
    downsampleY: level0.heightPx / info.height,
  };
}
