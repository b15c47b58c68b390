import { readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlide, type RgbImage, type SlideReader } from '@pathlens/slide-reader';
import { measureTissue } from '../../packages/ingest/src/background-filter.ts';
import { patchGrid } from '../../packages/ingest/src/patch-grid.ts';
import { sharedDataFile } from '../helpers/shared-data.ts';

function solid(rgb: [number, number, number], widthPx = 224, heightPx = 224): RgbImage {
  const data = Buffer.alloc(widthPx * heightPx * 3);
  for (let index = 0; index < data.length; index += 3) data.set(rgb, index);
  return { data, widthPx, heightPx };
}

/** Left `tissueColumns` columns purple, the rest glass. */
function split(tissueColumns: number, sizePx = 100): RgbImage {
  const image = solid([243, 243, 243], sizePx, sizePx);
  for (let y = 0; y < sizePx; y++)
    for (let x = 0; x < tissueColumns; x++) image.data.set([120, 60, 160], (y * sizePx + x) * 3);
  return image;
}

describe('measureTissue', () => {
  it('calls glass, white padding and black background; stained tissue is tissue', () => {
    expect(measureTissue(solid([243, 243, 243]))).toEqual({
      tissueFraction: 0,
      meanBrightness: expect.closeTo(243 / 255, 6),
      isBackground: true,
    });
    expect(measureTissue(solid([255, 255, 255])).isBackground).toBe(true);
    expect(measureTissue(solid([0, 0, 0])).isBackground).toBe(true);
    expect(measureTissue(solid([235, 225, 232])).isBackground).toBe(true); // faintly pink glass
    expect(measureTissue(solid([120, 60, 160]))).toMatchObject({ tissueFraction: 1, isBackground: false });
    expect(measureTissue(solid([225, 140, 190])).isBackground).toBe(false); // eosin pink
  });

  it('counts vivid haematoxylin with a channel at 255 as tissue (HSV value would call it white)', () => {
    expect(measureTissue(solid([120, 40, 255])).isBackground).toBe(false);
  });

  it('measures the tissue fraction and applies the threshold', () => {
    expect(measureTissue(split(30)).tissueFraction).toBeCloseTo(0.3, 6);
    expect(measureTissue(split(30)).isBackground).toBe(false);
    expect(measureTissue(split(20)).isBackground).toBe(true);
    expect(measureTissue(split(20), { minTissueFraction: 0.1 }).isBackground).toBe(false);
    expect(measureTissue(split(50)).meanBrightness).toBeCloseTo((243 * 3 * 0.5 + (120 + 60 + 160) * 0.5) / 765, 6);
  });

  it('rejects a buffer that does not match its size', () => {
    expect(() => measureTissue({ data: Buffer.alloc(10), widthPx: 2, heightPx: 2 })).toThrow(RangeError);
  });

  it('takes well under a millisecond per 224² patch', () => {
    const patch = split(100, 224);
    measureTissue(patch);
    const started = performance.now();
    for (let index = 0; index < 200; index++) measureTissue(patch);
    const perPatchMs = (performance.now() - started) / 200;
    expect(perPatchMs).toBeLessThan(2); // measured ~0.2 ms
  });
});

const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');
describe.skipIf(!realSvs)('measureTissue on CMU-1-Small-Region.svs', () => {
  let slide: SlideReader;
  beforeAll(async () => {
    slide = await openSlide(realSvs!);
  });
  afterAll(async () => {
    await slide?.close();
  });
  const read = (xLevel0: number, yLevel0: number) =>
    slide.readRegion({ level: 0, xLevel0, yLevel0, widthPx: 224, heightPx: 224 });

  it('rejects the glass at the corners and keeps tissue patches', async () => {
    for (const [x, y] of [
      [0, 0],
      [1996, 0],
      [0, 2688],
      [0, 1344],
    ] as const) {
      const measure = measureTissue(await read(x, y));
      expect(measure.isBackground, `(${x}, ${y}) tissue ${measure.tissueFraction}`).toBe(true);
      expect(measure.tissueFraction).toBeLessThan(0.05);
    }
    for (const [x, y] of [
      [1120, 896],
      [1120, 1792],
      [896, 2240],
    ] as const) {
      const measure = measureTissue(await read(x, y));
      expect(measure.isBackground, `(${x}, ${y}) tissue ${measure.tissueFraction}`).toBe(false);
      expect(measure.tissueFraction).toBeGreaterThan(0.75);
    }
  });

  it('keeps about two-fifths of the grid, as the thumbnail shows', async () => {
    const cells = patchGrid({ widthPx: 2220, heightPx: 2967, patchSizePx: 224 });
    let tissue = 0;
    for (const cell of cells) {
      const measure = measureTissue(await read(cell.xLevel0, cell.yLevel0));
      if (!measure.isBackground) tissue++;
    }
    console.info(
      `[tissue] CMU-1-Small-Region.svs: ${tissue} tissue / ${cells.length - tissue} background of ${cells.length} 224-px patches`,
    );
    expect(tissue).toBeGreaterThan(0.3 * cells.length);
    expect(tissue).toBeLessThan(0.55 * cells.length);
  });
});

const crcDirectory = sharedDataFile('patches/crc-val-he-7k-32');
describe.skipIf(!crcDirectory)('measureTissue on CRC-VAL-HE-7K patches', () => {
  const tissueClasses = ['TUM', 'LYM', 'STR', 'MUS', 'NORM', 'MUC', 'DEB'];
  const files = crcDirectory ? readdirSync(crcDirectory).filter((name) => name.endsWith('.png')) : [];

  it.each(tissueClasses)('never calls a %s patch background', async (tissueClass) => {
    const classFiles = files.filter((name) => name.startsWith(`${tissueClass}-`));
    expect(classFiles.length).toBeGreaterThan(0);
    for (const name of classFiles) {
      const { data, info } = await sharp(path.join(crcDirectory!, name))
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      const measure = measureTissue({ data, widthPx: info.width, heightPx: info.height });
      expect(measure.isBackground, `${name}: tissue ${measure.tissueFraction.toFixed(2)}`).toBe(false);
      expect(measure.tissueFraction, name).toBeGreaterThan(0.5);
    }
  });
});
