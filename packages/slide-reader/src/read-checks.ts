import { PathLensError } from '@pathlens/core';
import type { SlideLevel, SlideProperties, SlideRegion } from './slide-reader.ts';

/**
 * Checks every reader applies to `readRegion` before touching pixels: the level exists, the
 * position is whole level-0 pixels, the size is positive and within the read limit. Returns the
 * level. Throws `invalid_request`.
 */
export function checkRegion(properties: SlideProperties, region: SlideRegion, maxDecodedPixels: number): SlideLevel {
  const { level, xLevel0, yLevel0, widthPx, heightPx } = region;
  const levelInfo = Number.isInteger(level) ? properties.levels[level] : undefined;
  if (!levelInfo) {
    throw invalidRead(`level ${level} does not exist; this slide has levels 0–${properties.levels.length - 1}`, region);
  }
  if (
    ![xLevel0, yLevel0].every(Number.isSafeInteger) ||
    ![widthPx, heightPx].every((size) => Number.isSafeInteger(size) && size > 0)
  ) {
    throw invalidRead('xLevel0/yLevel0 must be integers and widthPx/heightPx positive integers', region);
  }
  if (widthPx * heightPx > maxDecodedPixels) {
    throw invalidRead(
      `a ${widthPx}×${heightPx} region is larger than the ${maxDecodedPixels}-pixel read limit; read it in tiles`,
      region,
    );
  }
  return levelInfo;
}

/** Output size of `readThumbnail(maxSizePx)`: level 0 scaled to fit, never enlarged, at least 1 px. */
export function thumbnailSize(properties: SlideProperties, maxSizePx: number): { widthPx: number; heightPx: number } {
  if (!Number.isSafeInteger(maxSizePx) || maxSizePx <= 0)
    throw invalidRead('maxSizePx must be a positive integer', { maxSizePx });
  const [levelZero] = properties.levels;
  if (!levelZero) throw new Error('a slide always has level 0');
  const scale = Math.min(1, maxSizePx / Math.max(levelZero.widthPx, levelZero.heightPx));
  return {
    widthPx: Math.max(1, Math.round(levelZero.widthPx * scale)),
    heightPx: Math.max(1, Math.round(levelZero.heightPx * scale)),
  };
}

/** Index of the smallest level with at least `widthPx × heightPx` pixels (level 0 when none is). */
export function levelForThumbnail(properties: SlideProperties, widthPx: number, heightPx: number): number {
  const index = properties.levels.findLastIndex((level) => level.widthPx >= widthPx && level.heightPx >= heightPx);
  return Math.max(0, index);
}

export function invalidRead(reason: string, details: object): PathLensError {
  return new PathLensError('invalid_request', `Invalid slide read: ${reason}.`, { ...details });
}

export function readerClosedError(): Error {
  return new Error('SlideReader is closed');
}

export function noSuchAssociatedImage(properties: SlideProperties, name: string): PathLensError {
  return new PathLensError(
    'not_found',
    `This slide has no associated image "${name}"; it has: ${properties.associatedImages.join(', ') || 'none'}.`,
    { name },
  );
}
