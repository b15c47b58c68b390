import sharp from 'sharp';
import type { SlideReader } from '@pathlens/slide-reader';
import { closeBinary, type BinaryImage } from './binary-morphology.ts';
import { filterRegionsByArea } from './connected-regions.ts';
import { otsuThreshold } from './otsu-threshold.ts';
import { saturationChannel } from './saturation-channel.ts';
import { defaultTissueDetectionSettings, type TissueDetectionSettings } from './tissue-detection-settings.ts';

/** Where a slide has tissue, on a coarse grid over the whole slide. */
export interface TissueMask {
  /** One byte a mask pixel, row-major: 1 tissue, 0 background. */
  data: Uint8Array;
  widthPx: number;
  heightPx: number;
  /** Level-0 pixels per mask pixel along x / y (the mask spans the whole level 0). */
  downsampleX: number;
  downsampleY: number;
}

export interface DetectedTissue {
  mask: TissueMask;
  /** Saturation level (0–255) above which a blurred pixel counted as tissue. */
  saturationThreshold: number;
  /** Share of the slide's area that is tissue, 0–1. */
  tissueFraction: number;
}

/**
 * Find the tissue on a slide, as CLAM does: a thumbnail at about `maskMpp` µm/px, HSV
 * saturation, median blur, Otsu's threshold (kept within a sane range), morphological closing,
 * then holes and pieces below the minimum areas filled or dropped. ~20 ms for a 200×200 mask.
 *
 * @example
 * const { mask } = await detectTissue(reader, { mppLevel0: 0.25 });
 * tissueFractionInRect(mask, { xLevel0: 0, yLevel0: 0, sizeLevel0Px: 448 });
 */
export async function detectTissue(
  reader: SlideReader,
  options: { mppLevel0: number | null; settings?: Partial<TissueDetectionSettings> | undefined },
): Promise<DetectedTissue> {
  const settings = { ...defaultTissueDetectionSettings, ...options.settings };
  const level0 = reader.properties.levels[0]!;
  const mppLevel0 = options.mppLevel0 ?? settings.assumedMppWithoutMetadata;
  const longSidePx = Math.max(level0.widthPx, level0.heightPx);
  const wantedSidePx = Math.ceil((longSidePx * mppLevel0) / settings.maskMpp);
  const maskSidePx = Math.min(longSidePx, settings.maxMaskSidePx, Math.max(wantedSidePx, 128));
  const thumbnail = await reader.readThumbnail(maskSidePx);
  const { widthPx, heightPx } = thumbnail;

  const saturation = saturationChannel(thumbnail);
  // The window never exceeds the image (a small plain image gives a small mask).
  const blurPx = Math.min(
    settings.medianBlurPx,
    Math.min(widthPx, heightPx) % 2 === 1 ? Math.min(widthPx, heightPx) : Math.min(widthPx, heightPx) - 1,
  );
  const blurred = blurPx > 1 ? await medianBlur(saturation, widthPx, heightPx, blurPx) : saturation;
  const saturationThreshold = Math.min(
    settings.maxSaturationThreshold,
    Math.max(settings.minSaturationThreshold, otsuThreshold(blurred)),
  );
  const binary: BinaryImage = { data: new Uint8Array(blurred.length), widthPx, heightPx };
  for (let pixel = 0; pixel < blurred.length; pixel++)
    binary.data[pixel] = blurred[pixel]! > saturationThreshold ? 1 : 0;

  const downsampleX = level0.widthPx / widthPx;
  const downsampleY = level0.heightPx / heightPx;
  const maskPixelAreaMm2 = (downsampleX * downsampleY * mppLevel0 * mppLevel0) / 1e6;
  // On an image not much bigger than the minimum areas (a single patch saved as PNG), a piece
  // or hole covering 5% of it is never a speck: the limits shrink with the image.
  const areaCapPx = 0.05 * widthPx * heightPx;
  const filtered = filterRegionsByArea(closeBinary(binary, settings.closingPx), {
    minTissueAreaPx: Math.min(settings.minTissueAreaMm2 / maskPixelAreaMm2, areaCapPx),
    minHoleAreaPx: Math.min(settings.minHoleAreaMm2 / maskPixelAreaMm2, areaCapPx),
  });
  let tissuePixels = 0;
  for (const value of filtered.data) tissuePixels += value;
  return {
    mask: { data: filtered.data, widthPx, heightPx, downsampleX, downsampleY },
    saturationThreshold,
    tissueFraction: filtered.data.length > 0 ? tissuePixels / filtered.data.length : 0,
  };
}

/** Median filter through libvips (sharp), one band in, one band out. */
async function medianBlur(
  values: Uint8Array,
  widthPx: number,
  heightPx: number,
  windowPx: number,
): Promise<Uint8Array> {
  const odd = windowPx % 2 === 1 ? windowPx : windowPx + 1;
  const output = await sharp(values, { raw: { width: widthPx, height: heightPx, channels: 1 } })
    .median(odd)
    .extractChannel(0)
    .raw()
    .toBuffer();
  return new Uint8Array(output.buffer, output.byteOffset, output.length);
}

/**
 * Share of a level-0 square covered by tissue, 0–1, weighting each mask pixel by how much of
 * it the square overlaps. Parts outside the slide count as background.
 */
export function tissueFractionInRect(
  mask: TissueMask,
  rect: { xLevel0: number; yLevel0: number; sizeLevel0Px: number },
): number {
  const left = rect.xLevel0 / mask.downsampleX;
  const right = (rect.xLevel0 + rect.sizeLevel0Px) / mask.downsampleX;
  const top = rect.yLevel0 / mask.downsampleY;
  const bottom = (rect.yLevel0 + rect.sizeLevel0Px) / mask.downsampleY;
  const area = (right - left) * (bottom - top);
  if (area <= 0) return 0;
  let covered = 0;
  for (let y = Math.max(0, Math.floor(top)); y < Math.min(mask.heightPx, Math.ceil(bottom)); y++) {
    const overlapY = Math.min(bottom, y + 1) - Math.max(top, y);
    for (let x = Math.max(0, Math.floor(left)); x < Math.min(mask.widthPx, Math.ceil(right)); x++) {
      if (!mask.data[y * mask.widthPx + x]) continue;
      covered += overlapY * (Math.min(right, x + 1) - Math.max(left, x));
    }
  }
  return Math.min(1, covered / area);
}
