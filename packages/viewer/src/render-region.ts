import sharp from 'sharp';
import { bestLevelForDownsample } from '@pathlens/ingest';
import type { RgbImage, SlideReader } from '@pathlens/slide-reader';

/** A region read in one go is at most this many pixels at its pyramid level; beyond, the view is made from a thumbnail.
 *
 */
export const maxRegionReadPx = 4096 * 4096;

/**
 * The level-0 rectangle `[xLevel0, xLevel0 + widthLevel0) × …` shown at `widthPx × heightPx`:
 * read from the most reduced pyramid level that still has at least the pixels wanted, then
 * resized. On a slide without a suitable level (a plain image viewed far out), it is cut
 * from a thumbnail of the whole slide at the wanted scale instead, so memory stays bounded.
 */
export async function renderRegion(
  reader: SlideReader,
  region: { xLevel0: number; yLevel0: number; widthLevel0: number; heightLevel0: number },
  output: { widthPx: number; heightPx: number },
): Promise<RgbImage> {
  const { levels } = reader.properties;
  const downsample = Math.max(region.widthLevel0 / output.widthPx, region.heightLevel0 / output.heightPx);
  const level = bestLevelForDownsample(levels, downsample);
  const levelDownsample = levels[level]!.downsample;
  const widthAtLevel = Math.max(1, Math.round(region.widthLevel0 / levelDownsample));
  const heightAtLevel = Math.max(1, Math.round(region.heightLevel0 / levelDownsample));
  let image: RgbImage;
  if (widthAtLevel * heightAtLevel <= maxRegionReadPx) {
    image = await reader.readRegion({
      level,
      xLevel0: region.xLevel0,
      yLevel0: region.yLevel0,
      widthPx: widthAtLevel,
      heightPx: heightAtLevel,
    });
  } else {
    const level0 = levels[0]!;
    const thumbnail = await reader.readThumbnail(
      Math.max(1, Math.round(Math.max(level0.widthPx, level0.heightPx) / downsample)),
    );
    const scaleX = thumbnail.widthPx / level0.widthPx;
    const scaleY = thumbnail.heightPx / level0.heightPx;
    const left = Math.min(thumbnail.widthPx - 1, Math.floor(region.xLevel0 * scaleX));
    const top = Math.min(thumbnail.heightPx - 1, Math.floor(region.yLevel0 * scaleY));
    const width = Math.max(1, Math.min(thumbnail.widthPx - left, Math.round(region.widthLevel0 * scaleX)));
    const height = Math.max(1, Math.min(thumbnail.heightPx - top, Math.round(region.heightLevel0 * scaleY)));
    const data = await sharp(thumbnail.data, {
      raw: { width: thumbnail.widthPx, height: thumbnail.heightPx, channels: 3 },
    })
      .extract({ left, top, width, height })
      .raw()
      .toBuffer();
    image = { data, widthPx: width, heightPx: height };
  }
  if (image.widthPx === output.widthPx && image.heightPx === output.heightPx) return image;
  const data = await sharp(image.data, { raw: { width: image.widthPx, height: image.heightPx, channels: 3 } })
    .resize(output.widthPx, output.heightPx, { fit: 'fill' })
    .raw()
    .toBuffer();
  return { data, widthPx: output.widthPx, heightPx: output.heightPx };
}

export async function encodeJpeg(image: RgbImage, quality = 80): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.widthPx, height: image.heightPx, channels: 3 } })
    .jpeg({ quality, mozjpeg: false })
    .toBuffer();
}
