import { describe, expect, it } from 'vitest';
import { scaleBar } from '../../apps/web/src/viewer/scale-bar.ts';

describe('the viewer scale bar', () => {
  it('picks the longest 1-2-5 length that fits, in µm below 1 mm and mm above', () => {
    expect(scaleBar(0.5, 150)).toEqual({ lengthPx: 100, label: '50 µm' });
    expect(scaleBar(1, 150)).toEqual({ lengthPx: 100, label: '100 µm' });
    expect(scaleBar(8, 150)).toEqual({ lengthPx: 125, label: '1 mm' });
    expect(scaleBar(30, 150)).toEqual({ lengthPx: 2000 / 30, label: '2 mm' });
    expect(scaleBar(0.004, 150)).toEqual({ lengthPx: 125, label: '0.5 µm' });
  });

  it('gives no bar without a usable resolution', () => {
    expect(scaleBar(0)).toBeNull();
    expect(scaleBar(Number.NaN)).toBeNull();
    expect(scaleBar(Number.POSITIVE_INFINITY)).toBeNull();
  });
});
