import type { RgbImage } from '@pathlens/slide-reader';

/**
 * HSV saturation of each pixel as 0–255, as OpenCV computes it for 8-bit images
 * (255 × (max − min) / max; 0 for black). Glass and white padding are near 0, stained
 * tissue far above, whatever its hue: the channel CLAM segments tissue on.
 */
export function saturationChannel(image: RgbImage): Uint8Array {
  const pixelCount = image.widthPx * image.heightPx;
  const { data } = image;
  const saturation = new Uint8Array(pixelCount);
  for (let pixel = 0, offset = 0; pixel < pixelCount; pixel++, offset += 3) {
    const red = data[offset]!;
    const green = data[offset + 1]!;
    const blue = data[offset + 2]!;
    const max = red > green ? (red > blue ? red : blue) : green > blue ? green : blue;
    if (max === 0) continue;
    const min = red < green ? (red < blue ? red : blue) : green < blue ? green : blue;
    saturation[pixel] = Math.round((255 * (max - min)) / max);
  }
  return saturation;
}
