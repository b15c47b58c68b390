import sharp from 'sharp';
import type { TissueMask } from '@pathlens/ingest';

/** Colour and opacity of tissue in the overlay. */
export const tissueOverlayColour = { rgb: [0, 200, 90] as const, opacity: 0.45 };

/**
 * The tissue mask as a PNG to lay over the slide's thumbnail: `widthPx × heightPx` RGBA,
 * translucent green on tissue, fully transparent elsewhere; edges resampled smoothly.
 *
 * @example
 * const png = await tissueOverlayPng(mask, thumbnail.widthPx, thumbnail.heightPx);
 */
export async function tissueOverlayPng(mask: TissueMask, widthPx: number, heightPx: number): Promise<Buffer> {
  const grey = Buffer.alloc(mask.data.length);
  for (let pixel = 0; pixel < grey.length; pixel++) grey[pixel] = mask.data[pixel] ? 255 : 0;
  const coverage = await sharp(grey, { raw: { width: mask.widthPx, height: mask.heightPx, channels: 1 } })
    .resize(widthPx, heightPx, { fit: 'fill', kernel: 'linear' })
    .extractChannel(0)
    .raw()
    .toBuffer();
  const rgba = Buffer.alloc(widthPx * heightPx * 4);
  const [red, green, blue] = tissueOverlayColour.rgb;
  for (let pixel = 0; pixel < widthPx * heightPx; pixel++) {
    const value = coverage[pixel]!;
    if (value === 0) continue;
    rgba[pixel * 4] = red;
    rgba[pixel * 4 + 1] = green;
    rgba[pixel * 4 + 2] = blue;
    rgba[pixel * 4 + 3] = Math.round(value * tissueOverlayColour.opacity);
  }
  return sharp(rgba, { raw: { width: widthPx, height: heightPx, channels: 4 } })
    .png()
    .toBuffer();
}

/** The size `readThumbnail(maxSizePx)` returns: level 0 scaled to fit, never enlarged, aspect kept. */
export function thumbnailSize(
  level0: { widthPx: number; heightPx: number },
  maxSizePx: number,
): { widthPx: number; heightPx: number } {
  const scale = Math.min(1, maxSizePx / Math.max(level0.widthPx, level0.heightPx));
  return {
    widthPx: Math.max(1, Math.round(level0.widthPx * scale)),
    heightPx: Math.max(1, Math.round(level0.heightPx * scale)),
  };
}
