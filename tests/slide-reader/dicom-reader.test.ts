import { copyFile, mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PathLensError, type ErrorCode } from '@pathlens/core';
import { openSlide, type SlideReader } from '@pathlens/slide-reader';
import * as dicomFixtures from '../fixtures/dicom-fixtures.ts';
import { tissueGeometry, tissueImageRaw } from '../fixtures/make-slide-fixtures.ts';
import { meanColour } from './slide-reader-suite.ts';

const directory = await mkdtemp(path.join(tmpdir(), 'pathlens-dicom-'));
let full: dicomFixtures.DicomWsiFixture;
let native: dicomFixtures.DicomWsiFixture;

beforeAll(async () => {
  full = await dicomFixtures.writeDicomWsi(directory, {
    name: 'full',
    organisation: 'TILED_FULL',
    encoding: 'jpeg',
    associatedImages: true,
  });
  native = await dicomFixtures.writeDicomWsi(directory, {
    name: 'native',
    organisation: 'TILED_FULL',
    encoding: 'explicit-native',
  });
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function openError(slidePath: string): Promise<PathLensError> {
  const error = await openSlide(slidePath).then(
    async (slide) => {
      await slide.close();
      return new Error(`${slidePath} opened, expected a failure`);
    },
    (failure: unknown) => failure,
  );
  if (!PathLensError.is(error)) throw error;
  return error;
}

async function expectOpenFails(slidePath: string, code: ErrorCode, pattern: RegExp): Promise<void> {
  const error = await openError(slidePath);
  expect(error.code, error.message).toBe(code);
  expect(error.message).toMatch(pattern);
}

describe('DICOM whole-slide reader', () => {
  it('opens the same pyramid from the folder or from any one file of the series', async () => {
    for (const slidePath of [full.directory, full.levelFiles[0]!, full.levelFiles[1]!, full.associatedFiles[0]!]) {
      const slide = await openSlide(slidePath);
      try {
        expect(slide.properties.reader).toBe('dicom');
        expect(slide.properties.levels.map((level) => [level.widthPx, level.heightPx, level.downsample])).toEqual([
          [2990, 1990, 1],
          [1495, 995, 2],
        ]);
        expect(slide.properties.files).toEqual([...full.associatedFiles, ...full.levelFiles].sort());
      } finally {
        await slide.close();
      }
    }
  });

  it('returns exactly the stored pixels of uncompressed frames, across frame boundaries', async () => {
    const slide = await openSlide(native.directory);
    try {
      // 300×40 straddling the 256-px frame border at x = 768 and y = 512, through the purple disc's edge.
      const region = await slide.readRegion({ level: 0, xLevel0: 600, yLevel0: 490, widthPx: 300, heightPx: 40 });
      const raw = tissueImageRaw();
      const expected = Buffer.alloc(300 * 40 * 3);
      for (let row = 0; row < 40; row++)
        raw.copy(
          expected,
          row * 300 * 3,
          ((490 + row) * tissueGeometry.widthPx + 600) * 3,
          ((490 + row) * tissueGeometry.widthPx + 900) * 3,
        );
      expect(region.data.equals(expected)).toBe(true);
    } finally {
      await slide.close();
    }
  });

  it('decodes JPEG frames like the uncompressed ones (within JPEG error)', async () => {
    const jpeg = await openSlide(full.directory);
    const uncompressed = await openSlide(native.directory);
    try {
      for (const level of [0, 1]) {
        const region = { level, xLevel0: 400, yLevel0: 300, widthPx: 200, heightPx: 200 };
        const [fromJpeg, fromRaw] = [await jpeg.readRegion(region), await uncompressed.readRegion(region)];
        const difference =
          fromJpeg.data.reduce((total, value, index) => total + Math.abs(value - fromRaw.data[index]!), 0) /
          fromJpeg.data.length;
        expect(difference, `level ${level}`).toBeLessThan(3);
      }
    } finally {
      await jpeg.close();
      await uncompressed.close();
    }
  });

  it('lists label and overview but reads the label only when asked', async () => {
    const folder = path.join(directory, 'broken-label');
    await mkdir(folder, { recursive: true });
    for (const file of [...full.levelFiles, ...full.associatedFiles])
      await copyFile(file, path.join(folder, path.basename(file)));
    // Damage the label's JPEG: opening must not notice, reading the label must.
    const labelPath = path.join(folder, 'label.dcm');
    const label = await readFile(labelPath);
    const soi = label.lastIndexOf(Buffer.from([0xff, 0xd8, 0xff]));
    label.fill(0, soi, soi + 64); // no JPEG header left
    await writeFile(labelPath, label);

    const slide = await openSlide(folder);
    try {
      expect(slide.properties.associatedImages).toEqual(['label', 'macro']);
      const macro = await slide.readAssociatedImage('macro');
      expect([macro.widthPx, macro.heightPx]).toEqual([600, 200]);
      // JPEG: ±1.5
      meanColour(macro).forEach((value, channel) => expect(value).toBeCloseTo([200, 200, 205][channel]!, -0.5));
      await expect(slide.readAssociatedImage('label')).rejects.toSatisfy((error) =>
        PathLensError.is(error, 'corrupt_file'),
      );
      await expect(slide.readAssociatedImage('thumbnail')).rejects.toSatisfy((error) =>
        PathLensError.is(error, 'not_found'),
      );
    } finally {
      await slide.close();
    }
  });

  it('refuses a truncated level, a header declaring a huge image, and too few frames for TILED_FULL', async () => {
    const truncated = await dicomFixtures.writeDicomWsi(directory, {
      name: 'truncated',
      organisation: 'TILED_FULL',
      encoding: 'jpeg',
      levelCount: 1,
    });
    const { size } = await stat(truncated.levelFiles[0]!);
    await truncate(truncated.levelFiles[0]!, Math.floor(size * 0.6));
    await expectOpenFails(truncated.levelFiles[0]!, 'corrupt_file', /damaged or truncated: .*(cut off|runs to byte)/);

    const truncatedNative = await dicomFixtures.writeDicomWsi(directory, {
      name: 'truncated-native',
      organisation: 'TILED_FULL',
      encoding: 'explicit-native',
      levelCount: 1,
    });
    await truncate(truncatedNative.levelFiles[0]!, 1_000_000);
    await expectOpenFails(
      truncatedNative.levelFiles[0]!,
      'corrupt_file',
      /frames of 196608 bytes run to byte \d+ but the file has 1000000 bytes/,
    );

    const bomb = await dicomFixtures.writeDicomWsi(directory, {
      name: 'bomb',
      organisation: 'TILED_FULL',
      encoding: 'jpeg',
      levelCount: 1,
      declaredLevel0SizePx: { widthPx: 250_000, heightPx: 250_000 },
    });
    await expectOpenFails(
      bomb.levelFiles[0]!,
      'slide_too_large',
      /250000×250000 px level 0, over the 200000 px per side limit/,
    );

    const tooFewFrames = await dicomFixtures.writeDicomWsi(directory, {
      name: 'too-few',
      organisation: 'TILED_FULL',
      encoding: 'jpeg',
      levelCount: 1,
      declaredLevel0SizePx: { widthPx: 20_000, heightPx: 20_000 },
    });
    await expectOpenFails(
      tooFewFrames.levelFiles[0]!,
      'corrupt_file',
      /has 96 frames, but tiling its 20000×20000 image fully takes 6241/,
    );
  });

  it('refuses other DICOM objects, undecodable level 0, and a folder of two slides', async () => {
    const ct = await dicomFixtures.writeDicomWsi(directory, {
      name: 'ct',
      organisation: 'TILED_FULL',
      encoding: 'jpeg',
      levelCount: 1,
      declaredSopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    });
    await expectOpenFails(
      ct.levelFiles[0]!,
      'unsupported_format',
      /a DICOM file but not a whole-slide microscopy image \(SOP class 1\.2\.840\.10008\.5\.1\.4\.1\.1\.2\)/,
    );
    await expectOpenFails(ct.directory, 'unsupported_format', /no DICOM whole-slide microscopy instances/);

    const jpeg2000 = await dicomFixtures.writeDicomWsi(directory, {
      name: 'j2k',
      organisation: 'TILED_FULL',
      encoding: 'jpeg',
      declaredLevel0TransferSyntax: dicomFixtures.transferSyntax.jpeg2000,
    });
    await expectOpenFails(
      jpeg2000.directory,
      'unsupported_format',
      /full-resolution level .* JPEG 2000, which PathLens cannot decode/,
    );

    const two = path.join(directory, 'two-series');
    await mkdir(two, { recursive: true });
    await copyFile(full.levelFiles[0]!, path.join(two, 'a.dcm'));
    await copyFile(native.levelFiles[0]!, path.join(two, 'b.dcm'));
    await expectOpenFails(two, 'invalid_request', /holds 2 whole-slide series/);

    const garbage = path.join(directory, 'garbage.dcm');
    await writeFile(
      garbage,
      Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from('not really dicom at all, just text')]),
    );
    await expectOpenFails(garbage, 'corrupt_file', /damaged or truncated/);
  });

  it('serves concurrent reads of the same frames, finishes them when closed meanwhile, then refuses reads', async () => {
    const slide: SlideReader = await openSlide(full.directory);
    const reads = Array.from({ length: 16 }, (_, index) =>
      slide.readRegion({ level: 0, xLevel0: 700 + index * 40, yLevel0: 600, widthPx: 64, heightPx: 64 }),
    );
    await slide.close();
    const regions = await Promise.all(reads);
    expect(regions.every((region) => region.widthPx === 64 && region.data.length === 64 * 64 * 3)).toBe(true);
    await expect(slide.readRegion({ level: 0, xLevel0: 0, yLevel0: 0, widthPx: 8, heightPx: 8 })).rejects.toThrow(
      /closed/,
    );
  });
});
