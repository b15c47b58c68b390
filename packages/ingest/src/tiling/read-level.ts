import type { SlideLevel } from '@pathlens/slide-reader';

/** Which pyramid level to read a patch from, and how big it is there. */
export interface PatchReadPlan {
  /** Index into the slide's levels. */
  level: number;
  /** Side of the patch in pixels of that level (resized to the encoder's input afterwards). */
  sizeAtLevelPx: number;
}

/**
 * The best level for patches of `patchSizeLevel0Px` shown to the encoder at `inputSizePx`: the
 * most reduced level whose downsample is not above the one needed (so the patch is only ever
 * shrunk, never enlarged, unless level 0 is already too coarse). A level within 1% of the
 * needed downsample counts as matching: pyramids store 4.0004 for 4.
 *
 * @example
 // { level: 1, sizeAtLevelPx: 448 }
 * patchReadPlan([{ downsample: 1 }, { downsample: 4 }, { downsample: 16 }], 1792, 224);
 */
export function patchReadPlan(
  levels: Pick<SlideLevel, 'downsample'>[],
  patchSizeLevel0Px: number,
  inputSizePx: number,
): PatchReadPlan {
  const level = bestLevelForDownsample(levels, patchSizeLevel0Px / inputSizePx);
  const sizeAtLevelPx = Math.max(1, Math.round(patchSizeLevel0Px / levels[level]!.downsample));
  return { level, sizeAtLevelPx };
}

/** Index of the most reduced level whose downsample is not above `downsample` (within 1%); 0 when none is. */
export function bestLevelForDownsample(levels: Pick<SlideLevel, 'downsample'>[], downsample: number): number {
  let level = 0;
  levels.forEach((candidate, index) => {
    if (candidate.downsample <= downsample * 1.01 && candidate.downsample > levels[level]!.downsample) level = index;
  });
  return level;
}
