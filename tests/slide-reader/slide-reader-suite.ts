/**
 * One suite for the SlideReader contract, run against every format fixture and the real SVS
 * (slide-reader.test.ts). Checks what ingestion relies on: properties, level geometry,
 * region sizes, level-0 coordinates meaning the same place at every level, white padding,
 * thumbnails.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathLensError } from '@pathlens/core';
import type { RgbImage, SlideFormat, SlideReader } from '@pathlens/slide-reader';

/** A level-0 point and what should be there: bare glass, some stain, or a known colour (± tolerance). */
export interface Landmark {
  xLevel0: number;
  yLevel0: number;
  expected: 'glass' | 'stained' | { rgb: readonly [number, number, number]; tolerance: number };
}

export interface SlideReaderCase {
  name: string;
  open: () => Promise<SlideReader>;
  expected: {
    format: SlideFormat;
    vendor: string | null;
    level0: { widthPx: number; heightPx: number };
    levelCount: number;
    mpp: number | null;
    objectivePower: number | null;
    associatedImages: string[];
  };
  /** At least one glass and one stained point, away from edges of features. */
  landmarks: Landmark[];
  /** A level-0 square containing feature edges, for comparing levels with level 0. */
  comparisonArea: { xLevel0: number; yLevel0: number; sizeLevel0Px: number };
}

/** Mean RGB of a centred `sizePx²` window around a level-0 point, read at `level`. */
async function meanColourAt(
  reader: SlideReader,
  level: number,
  xLevel0: number,
  yLevel0: number,
  sizePx = 7,
): Promise<number[]> {
  const { downsample } = reader.properties.levels[level]!;
  const half = Math.floor(sizePx / 2) * downsample;
  const image = await reader.readRegion({
    level,
    xLevel0: Math.round(xLevel0 - half),
    yLevel0: Math.round(yLevel0 - half),
    widthPx: sizePx,
    heightPx: sizePx,
  });
  return meanColour(image);
}

export function meanColour(image: RgbImage): number[] {
  const sums = [0, 0, 0];
  for (let index = 0; index < image.data.length; index += 3) {
    sums[0]! += image.data[index]!;
    sums[1]! += image.data[index + 1]!;
    sums[2]! += image.data[index + 2]!;
  }
  return sums.map((sum) => sum / (image.widthPx * image.heightPx));
}

function expectLandmarkColour(colour: number[], landmark: Landmark, where: string): void {
  if (landmark.expected === 'glass') {
    expect(Math.min(...colour), `${where}: expected glass, got ${colour.map(Math.round)}`).toBeGreaterThan(225);
    return;
  }
  if (landmark.expected === 'stained') {
    expect(
      Math.max(...colour) - Math.min(...colour),
      `${where}: expected stain, got ${colour.map(Math.round)}`,
    ).toBeGreaterThan(30);
    expect(Math.min(...colour), `${where}: expected stain, got ${colour.map(Math.round)}`).toBeLessThan(200);
    return;
  }
  const { rgb, tolerance } = landmark.expected;
  const worst = Math.max(...rgb.map((value, channel) => Math.abs(value - colour[channel]!)));
  expect(worst, `${where}: expected ≈${rgb}, got ${colour.map(Math.round)}`).toBeLessThanOrEqual(tolerance);
}

function meanAbsoluteDifference(first: Buffer, second: Buffer): number {
  let total = 0;
  for (let index = 0; index < first.length; index++) total += Math.abs(first[index]! - second[index]!);
  return total / first.length;
}

function expectSize(image: RgbImage, widthPx: number, heightPx: number): void {
  expect([image.widthPx, image.heightPx]).toEqual([widthPx, heightPx]);
  expect(image.data.length).toBe(widthPx * heightPx * 3);
}

export function describeSlideReaderSuite(testCase: SlideReaderCase): void {
  describe(`SlideReader contract: ${testCase.name}`, () => {
    let reader: SlideReader;
    beforeAll(async () => {
      reader = await testCase.open();
    });
    afterAll(async () => {
      await reader?.close();
    });

    it('reports format, vendor, size, MPP, magnification and associated images', () => {
      const { properties } = reader;
      const { expected } = testCase;
      expect(properties.format).toBe(expected.format);
      expect(properties.vendor).toBe(expected.vendor);
      expect(properties.levels[0]).toEqual({ ...expected.level0, downsample: 1 });
      expect(properties.levels).toHaveLength(expected.levelCount);
      if (expected.mpp === null) {
        expect(properties.mppX).toBeNull();
        expect(properties.mppY).toBeNull();
      } else {
        expect(properties.mppX).toBeCloseTo(expected.mpp, 6);
        expect(properties.mppY).toBeCloseTo(expected.mpp, 6);
      }
      expect(properties.objectivePower).toBe(expected.objectivePower);
      expect(properties.associatedImages).toEqual(expected.associatedImages);
    });

    it('lists levels largest first, each downsample matching its size', () => {
      const [levelZero, ...others] = reader.properties.levels;
      let previousDownsample = 1;
      for (const level of others) {
        expect(level.downsample).toBeGreaterThan(previousDownsample);
        expect(levelZero!.widthPx / level.widthPx).toBeCloseTo(level.downsample, 1);
        expect(levelZero!.heightPx / level.heightPx).toBeCloseTo(level.downsample, 1);
        previousDownsample = level.downsample;
      }
    });

    it('reads regions of exactly the requested size at every level', async () => {
      for (let level = 0; level < reader.properties.levels.length; level++) {
        expectSize(await reader.readRegion({ level, xLevel0: 37, yLevel0: 53, widthPx: 61, heightPx: 29 }), 61, 29);
      }
      expectSize(await reader.readRegion({ level: 0, xLevel0: 0, yLevel0: 0, widthPx: 224, heightPx: 224 }), 224, 224);
    });

    it('finds each landmark at its level-0 position on every level', async () => {
      for (let level = 0; level < reader.properties.levels.length; level++) {
        for (const landmark of testCase.landmarks) {
          const colour = await meanColourAt(reader, level, landmark.xLevel0, landmark.yLevel0);
          expectLandmarkColour(colour, landmark, `level ${level} at (${landmark.xLevel0}, ${landmark.yLevel0})`);
        }
      }
    });

    it.skipIf(testCase.expected.levelCount === 1)(
      'shows the same area at every level as level 0 shrunk (and a shifted read does not)',
      async () => {
        const { xLevel0, yLevel0, sizeLevel0Px } = testCase.comparisonArea;
        const full = await reader.readRegion({
          level: 0,
          xLevel0,
          yLevel0,
          widthPx: sizeLevel0Px,
          heightPx: sizeLevel0Px,
        });
        for (let level = 1; level < reader.properties.levels.length; level++) {
          const { downsample } = reader.properties.levels[level]!;
          const sizePx = Math.round(sizeLevel0Px / downsample);
          const shrunk = await sharp(full.data, { raw: { width: full.widthPx, height: full.heightPx, channels: 3 } })
            .resize(sizePx, sizePx, { fit: 'fill' })
            .raw()
            .toBuffer();
          const atLevel = await reader.readRegion({ level, xLevel0, yLevel0, widthPx: sizePx, heightPx: sizePx });
          const shiftPx = Math.max(4, Math.round(sizePx / 8));
          const shifted = await reader.readRegion({
            level,
            xLevel0: xLevel0 + Math.round(shiftPx * downsample),
            yLevel0,
            widthPx: sizePx,
            heightPx: sizePx,
          });
          const aligned = meanAbsoluteDifference(atLevel.data, shrunk);
          expect(aligned, `level ${level}`).toBeLessThan(8);
          expect(
            meanAbsoluteDifference(shifted.data, shrunk),
            `level ${level} shifted by ${shiftPx} px`,
          ).toBeGreaterThan(aligned * 2);
        }
      },
    );

    it('pads the parts of a region outside the image with white', async () => {
      const lastLevel = reader.properties.levels.length - 1;
      for (const level of [0, lastLevel]) {
        const { widthPx, heightPx, downsample } = reader.properties.levels[level]!;
        // 10 px inside the bottom-right corner, 30 px outside.
        const region = await reader.readRegion({
          level,
          xLevel0: Math.round((widthPx - 10) * downsample),
          yLevel0: Math.round((heightPx - 10) * downsample),
          widthPx: 40,
          heightPx: 40,
        });
        expectSize(region, 40, 40);
        for (let y = 0; y < 40; y++) {
          for (let x = 0; x < 40; x++) {
            const index = (y * 40 + x) * 3;
            if (x >= 12 || y >= 12)
              expect(
                [region.data[index], region.data[index + 1], region.data[index + 2]],
                `level ${level} (${x}, ${y})`,
              ).toEqual([255, 255, 255]);
          }
        }
      }
      const outside = await reader.readRegion({ level: 0, xLevel0: -500, yLevel0: -500, widthPx: 100, heightPx: 100 });
      expect(outside.data.every((value) => value === 255)).toBe(true);
      const straddling = await reader.readRegion({ level: 0, xLevel0: -20, yLevel0: 0, widthPx: 40, heightPx: 10 });
      expect(straddling.data.subarray(0, 20 * 3).every((value) => value === 255)).toBe(true);
    });

    it('makes a thumbnail that fits the long side, keeps the aspect ratio and shows the landmarks', async () => {
      const { widthPx, heightPx } = testCase.expected.level0;
      const thumbnail = await reader.readThumbnail(256);
      const scale = 256 / Math.max(widthPx, heightPx);
      expectSize(thumbnail, Math.round(widthPx * scale), Math.round(heightPx * scale));
      for (const landmark of testCase.landmarks) {
        const x = Math.round(landmark.xLevel0 * scale);
        const y = Math.round(landmark.yLevel0 * scale);
        const window = await sharp(thumbnail.data, {
          raw: { width: thumbnail.widthPx, height: thumbnail.heightPx, channels: 3 },
        })
          .extract({ left: x - 1, top: y - 1, width: 3, height: 3 })
          .raw()
          .toBuffer();
        expectLandmarkColour(
          meanColour({ data: window, widthPx: 3, heightPx: 3 }),
          landmark,
          `thumbnail at (${x}, ${y})`,
        );
      }
      const large = await reader.readThumbnail(1_000_000);
      expectSize(large, widthPx, heightPx);
    });

    it('rejects a level that does not exist or a non-integer position', async () => {
      const levelCount = reader.properties.levels.length;
      await expect(
        reader.readRegion({ level: levelCount, xLevel0: 0, yLevel0: 0, widthPx: 10, heightPx: 10 }),
      ).rejects.toSatisfy((error) => PathLensError.is(error, 'invalid_request'));
      await expect(
        reader.readRegion({ level: 0, xLevel0: 0.5, yLevel0: 0, widthPx: 10, heightPx: 10 }),
      ).rejects.toSatisfy((error) => PathLensError.is(error, 'invalid_request'));
      await expect(reader.readRegion({ level: 0, xLevel0: 0, yLevel0: 0, widthPx: 0, heightPx: 10 })).rejects.toSatisfy(
        (error) => PathLensError.is(error, 'invalid_request'),
      );
    });

    it('refuses reads after close', async () => {
      const another = await testCase.open();
      await another.close();
      await expect(another.readRegion({ level: 0, xLevel0: 0, yLevel0: 0, widthPx: 10, heightPx: 10 })).rejects.toThrow(
        /closed/,
      );
      await another.close();
    });
  });
}
