import type { RgbImage } from '@pathlens/slide-reader';

export interface TissueThresholds {
  /** A pixel is tissue when its HSV saturation, (max − min) / max, is above this (0–1). */
  minSaturation: number;
  /** …and its brightness, mean of R, G, B over 255, is below this (0–1). */
  maxBrightness: number;
  /** A patch is background when fewer than this fraction of its pixels are tissue (0–1). */
  minTissueFraction: number;
}

/**
 * Tuned on CMU-1-Small-Region.svs (glass ≈ RGB 245,243,243: saturation ~0.01) and CRC-VAL-HE-7K
 * patches (every TUM, LYM, STR, MUS, NORM, MUC, DEB patch ≥ 0.69 tissue; ADI, mostly empty fat,
 * 0.23–0.41, around the cut-off).
 */
export const defaultTissueThresholds: TissueThresholds = {
  minSaturation: 0.07,
  maxBrightness: 0.92,
  minTissueFraction: 0.25,
};

export interface TissueMeasure {
  /** Fraction of the patch's pixels that are tissue (0–1). */
  tissueFraction: number;
  /** Mean brightness of the patch, mean of R, G, B over 255 (0 black – 1 white). */
  meanBrightness: number;
  /** `tissueFraction < minTissueFraction`: skip this patch. */
  isBackground: boolean;
}

/**
 * Tells tissue from background (bare glass, white padding) by colour: stained tissue is
 * saturated and not bright. Brightness is the mean of the channels, not HSV's value (the max
 * channel): vivid haematoxylin often has blue at 255, and HSV value would call it white.
 * Black (padding, some scanners' empty areas) has no saturation, so it counts as background.
 * Runs in one pass over the buffer (~0.2 ms for 224²).
 *
 * @example
 * const { isBackground, tissueFraction } = measureTissue(patch); // patch: RgbImage from readRegion
 */
export function measureTissue(image: RgbImage, thresholds: Partial<TissueThresholds> = {}): TissueMeasure {
  const { minSaturation, maxBrightness, minTissueFraction } = { ...defaultTissueThresholds, ...thresholds };
  const { data } = image;
  const pixelCount = image.widthPx * image.heightPx;
  if (data.length !== pixelCount * 3) {
    throw new RangeError(
      `measureTissue: expected ${pixelCount * 3} bytes for ${image.widthPx}×${image.heightPx} RGB, got ${data.length}`,
    );
  }
  if (pixelCount === 0) return { tissueFraction: 0, meanBrightness: 1, isBackground: true };

  // Compare sums against scaled thresholds, so the loop has no division.
  const maxChannelSum = maxBrightness * 765;
  let tissuePixels = 0;
  let channelSumTotal = 0;
  for (let index = 0; index < data.length; index += 3) {
    const red = data[index]!;
    const green = data[index + 1]!;
    const blue = data[index + 2]!;
    const channelSum = red + green + blue;
    channelSumTotal += channelSum;
    if (channelSum >= maxChannelSum) continue;
    const max = red > green ? (red > blue ? red : blue) : green > blue ? green : blue;
    const min = red < green ? (red < blue ? red : blue) : green < blue ? green : blue;
    if (max - min > minSaturation * max) tissuePixels++;
  }
  const tissueFraction = tissuePixels / pixelCount;
  return {
    tissueFraction,
    meanBrightness: channelSumTotal / (pixelCount * 765),
    isBackground: tissueFraction < minTissueFraction,
  };
}
