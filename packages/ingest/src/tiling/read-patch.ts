import sharp from 'sharp';
import type { RgbImage, SlideReader } from '@pathlens/slide-reader';
import type { GridCell } from '../patch-grid.ts';
import type { PatchReadPlan } from './read-level.ts';

/**
 * One grid cell's pixels at the encoder's input size: read at the planned level, then resized
 * (Lanczos) to `inputSizePx` square when the level's size differs.
 */
export async function readPatch(
  reader: SlideReader,
  cell: GridCell,
  plan: PatchReadPlan,
  inputSizePx: number,
): Promise<RgbImage> {
  const image = await reader.readRegion({
    level: plan.level,
    xLevel0: cell.xLevel0,
    yLevel0: cell.yLevel0,
    widthPx: plan.sizeAtLevelPx,
    heightPx: plan.sizeAtLevelPx,
  });
  if (image.widthPx === inputSizePx && image.heightPx === inputSizePx) return image;
  return resizeRgb(image, inputSizePx, inputSizePx);
}

export async function resizeRgb(image: RgbImage, widthPx: number, heightPx: number): Promise<RgbImage> {
  const data = await sharp(image.data, { raw: { width: image.widthPx, height: image.heightPx, channels: 3 } })
    .resize(widthPx, heightPx, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { data, widthPx, heightPx };
}
