import sharp from 'sharp';
import { seededRandom } from './vectors.ts';

/** Colours the tiny CLIP was designed around, as 0–255 RGB. */
export const stainColours = {
  hematoxylin: [89, 64, 153],
  eosin: [230, 140, 191],
} as const;

/**
 * A PNG "slide" with known geometry: the left half hematoxylin purple, the right half eosin
 * pink, each with a little seeded texture so it reads as tissue, not flat background.
 */
export async function writeTwoStainSlide(
  filePath: string,
  options: { widthPx?: number; heightPx?: number } = {},
): Promise<{ widthPx: number; heightPx: number }> {
  const widthPx = options.widthPx ?? 1792;
  const heightPx = options.heightPx ?? 672;
  const random = seededRandom(7);
  const pixels = Buffer.alloc(widthPx * heightPx * 3);
  for (let y = 0; y < heightPx; y++) {
    for (let x = 0; x < widthPx; x++) {
      const colour = x < widthPx / 2 ? stainColours.hematoxylin : stainColours.eosin;
      const jitter = Math.round((random() - 0.5) * 24);
      const offset = (y * widthPx + x) * 3;
      for (let channel = 0; channel < 3; channel++)
        pixels[offset + channel] = Math.max(0, Math.min(255, colour[channel]! + jitter));
    }
  }
  await sharp(pixels, { raw: { width: widthPx, height: heightPx, channels: 3 } })
    .png()
    .toFile(filePath);
  return { widthPx, heightPx };
}

/** A solid-colour PNG with light texture, as bytes. */
export async function stainPatchPng(colour: readonly number[], seed = 1, sizePx = 224): Promise<Buffer> {
  const random = seededRandom(seed);
  const pixels = Buffer.alloc(sizePx * sizePx * 3);
  for (let index = 0; index < pixels.length; index++)
    pixels[index] = Math.max(0, Math.min(255, colour[index % 3]! + Math.round((random() - 0.5) * 20)));
  return sharp(pixels, { raw: { width: sizePx, height: sizePx, channels: 3 } })
    .png()
    .toBuffer();
}
