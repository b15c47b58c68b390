import { PathLensError } from '@pathlens/core';

/** One square patch position, in level-0 pixels. */
export interface GridCell {
  /** Top-left corner. */
  xLevel0: number;
  yLevel0: number;
  /** Side length; the same for every cell of a grid. */
  sizeLevel0Px: number;
}

export interface PatchGridOptions {
  /** Level-0 image size. */
  widthPx: number;
  heightPx: number;
  /** Patch side in level-0 pixels. */
  patchSizePx: number;
  /**
   * A last column/row that only partly fits is kept when at least this fraction of its side
   * lies inside the image (the reader pads the rest white); narrower slivers are dropped.
   * 0 keeps every partial cell, 1 keeps only whole ones. Default 0.5.
   */
  minEdgeCoverage?: number;
}

/**
 * Non-overlapping square patches covering a level-0 image, row by row (y, then x).
 * Edge cells that are mostly inside the image are kept, padded white by the reader, so tissue
 * at the right and bottom edges is not lost; thin slivers (mostly padding) are dropped. An
 * image smaller than one patch still gets one (padded) cell along that side.
 *
 * @example
 * patchGrid({ widthPx: 2220, heightPx: 2967, patchSizePx: 224 }).length; // 10 columns × 13 rows = 130
 */
export function patchGrid(options: PatchGridOptions): GridCell[] {
  const { widthPx, heightPx, patchSizePx, minEdgeCoverage = 0.5 } = options;
  if (![widthPx, heightPx, patchSizePx].every((value) => Number.isSafeInteger(value) && value > 0)) {
    throw new PathLensError(
      'invalid_request',
      `patchGrid needs positive integer sizes, got ${widthPx}×${heightPx} px with ${patchSizePx} px patches.`,
      { ...options },
    );
  }
  if (!(minEdgeCoverage >= 0 && minEdgeCoverage <= 1)) {
    throw new PathLensError('invalid_request', `minEdgeCoverage must be between 0 and 1, got ${minEdgeCoverage}.`, {
      ...options,
    });
  }
  const columns = cellCount(widthPx, patchSizePx, minEdgeCoverage);
  const rows = cellCount(heightPx, patchSizePx, minEdgeCoverage);
  const cells: GridCell[] = [];
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      cells.push({ xLevel0: column * patchSizePx, yLevel0: row * patchSizePx, sizeLevel0Px: patchSizePx });
    }
  }
  return cells;
}

/** Whole cells along one side, plus the partial last one when it covers enough (or is the only one). */
function cellCount(lengthPx: number, patchSizePx: number, minEdgeCoverage: number): number {
  const whole = Math.floor(lengthPx / patchSizePx);
  const remainderPx = lengthPx - whole * patchSizePx;
  const keepPartial = remainderPx > 0 && (whole === 0 || remainderPx >= minEdgeCoverage * patchSizePx);
  return whole + (keepPartial ? 1 : 0);
}
