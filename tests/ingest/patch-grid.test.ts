import { describe, expect, it } from 'vitest';
import { PathLensError } from '@pathlens/core';
import { patchGrid } from '../../packages/ingest/src/patch-grid.ts';

describe('patchGrid', () => {
  it('tiles an exact multiple row by row without overlap', () => {
    const cells = patchGrid({ widthPx: 672, heightPx: 448, patchSizePx: 224 });
    expect(cells).toEqual([
      { xLevel0: 0, yLevel0: 0, sizeLevel0Px: 224 },
      { xLevel0: 224, yLevel0: 0, sizeLevel0Px: 224 },
      { xLevel0: 448, yLevel0: 0, sizeLevel0Px: 224 },
      { xLevel0: 0, yLevel0: 224, sizeLevel0Px: 224 },
      { xLevel0: 224, yLevel0: 224, sizeLevel0Px: 224 },
      { xLevel0: 448, yLevel0: 224, sizeLevel0Px: 224 },
    ]);
  });

  it('keeps a partial last column or row that is at least half inside, drops thinner slivers', () => {
    // 2220 = 9 × 224 + 204 (kept: 91 % inside); 2967 = 13 × 224 + 55 (dropped: 25 %).
    const cells = patchGrid({ widthPx: 2220, heightPx: 2967, patchSizePx: 224 });
    expect(cells).toHaveLength(10 * 13);
    expect(Math.max(...cells.map((cell) => cell.xLevel0))).toBe(9 * 224);
    expect(Math.max(...cells.map((cell) => cell.yLevel0))).toBe(12 * 224);
    expect(patchGrid({ widthPx: 224 + 112, heightPx: 224, patchSizePx: 224 })).toHaveLength(2);
    expect(patchGrid({ widthPx: 224 + 111, heightPx: 224, patchSizePx: 224 })).toHaveLength(1);
  });

  it('lets the caller keep every partial cell, or only whole ones', () => {
    expect(patchGrid({ widthPx: 2220, heightPx: 2967, patchSizePx: 224, minEdgeCoverage: 0 })).toHaveLength(10 * 14);
    expect(patchGrid({ widthPx: 2220, heightPx: 2967, patchSizePx: 224, minEdgeCoverage: 1 })).toHaveLength(9 * 13);
  });

  it('gives an image smaller than one patch a single cell', () => {
    expect(patchGrid({ widthPx: 100, heightPx: 80, patchSizePx: 224 })).toEqual([
      { xLevel0: 0, yLevel0: 0, sizeLevel0Px: 224 },
    ]);
  });

  it('covers every pixel of the kept area exactly once', () => {
    const widthPx = 1000;
    const heightPx = 700;
    const cells = patchGrid({ widthPx, heightPx, patchSizePx: 128, minEdgeCoverage: 0 });
    const coverage = new Uint8Array(widthPx * heightPx);
    for (const cell of cells) {
      for (let y = cell.yLevel0; y < Math.min(heightPx, cell.yLevel0 + cell.sizeLevel0Px); y++) {
        for (let x = cell.xLevel0; x < Math.min(widthPx, cell.xLevel0 + cell.sizeLevel0Px); x++)
          coverage[y * widthPx + x]!++;
      }
    }
    expect(coverage.every((count) => count === 1)).toBe(true);
  });

  it('rejects sizes that are not positive integers', () => {
    for (const options of [
      { widthPx: 0, heightPx: 100, patchSizePx: 224 },
      { widthPx: 100, heightPx: 100, patchSizePx: 0 },
      { widthPx: 100.5, heightPx: 100, patchSizePx: 224 },
      { widthPx: 100, heightPx: 100, patchSizePx: 224, minEdgeCoverage: 2 },
    ]) {
      expect(() => patchGrid(options)).toThrow(PathLensError);
    }
  });
});
