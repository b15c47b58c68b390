import type { RgbImage } from '../slide-reader.ts';

/**
 * OpenSlide's premultiplied ARGB (one native-endian uint32 a pixel) to RGB over white: a
 * premultiplied channel already holds `colour × alpha`, so over white it is `c + (255 − alpha)`.
 * Transparent pixels (outside the scanned area) become white.
 */
export function premultipliedArgbToRgb(argb: Uint32Array, widthPx: number, heightPx: number): RgbImage {
  const data = Buffer.allocUnsafe(widthPx * heightPx * 3);
  for (let index = 0, offset = 0; index < argb.length; index++, offset += 3) {
    const pixel = argb[index]!;
    const transparency = 255 - (pixel >>> 24);
    data[offset] = ((pixel >>> 16) & 0xff) + transparency;
    data[offset + 1] = ((pixel >>> 8) & 0xff) + transparency;
    data[offset + 2] = (pixel & 0xff) + transparency;
  }
  return { data, widthPx, heightPx };
}
