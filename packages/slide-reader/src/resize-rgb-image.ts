import sharp from 'sharp';
import type { RgbImage } from './slide-reader.ts';

/** Scale RGB pixels to exactly `widthPx × heightPx` (aspect ratio as given); the same size is returned as is. */
export async function resizeRgbImage(image: RgbImage, widthPx: number, heightPx: number): Promise<RgbImage> {
  if (image.widthPx === widthPx && image.heightPx === heightPx) return image;
  const data = await sharp(image.data, { raw: { width: image.widthPx, height: image.heightPx, channels: 3 } })
    .resize({ width: widthPx, height: heightPx, fit: 'fill' })
    .raw()
    .toBuffer();
  return { data, widthPx, heightPx };
}
