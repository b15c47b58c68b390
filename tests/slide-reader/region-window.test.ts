import { describe, expect, it } from 'vitest';
import { regionWindow } from '../../packages/slide-reader/src/sharp/region-window.ts';

describe('regionWindow', () => {
  it('extracts a region inside the image as is', () => {
    expect(regionWindow({ x: 10, y: 20, width: 30, height: 40 }, 100, 100)).toEqual({
      inside: { left: 10, top: 20, width: 30, height: 40 },
      padding: { top: 0, bottom: 0, left: 0, right: 0 },
    });
  });

  it('clips a region over the top-left and bottom-right edges and pads the rest', () => {
    expect(regionWindow({ x: -5, y: -7, width: 30, height: 40 }, 100, 100)).toEqual({
      inside: { left: 0, top: 0, width: 25, height: 33 },
      padding: { top: 7, bottom: 0, left: 5, right: 0 },
    });
    expect(regionWindow({ x: 90, y: 95, width: 30, height: 40 }, 100, 100)).toEqual({
      inside: { left: 90, top: 95, width: 10, height: 5 },
      padding: { top: 0, bottom: 35, left: 0, right: 20 },
    });
  });

  it('has nothing to extract when the region misses the image', () => {
    expect(regionWindow({ x: 100, y: 0, width: 10, height: 10 }, 100, 100).inside).toBeNull();
    expect(regionWindow({ x: -10, y: -10, width: 10, height: 10 }, 100, 100).inside).toBeNull();
  });
});
