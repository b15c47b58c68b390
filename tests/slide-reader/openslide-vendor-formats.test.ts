/**
 * Real Hamamatsu NDPI and MIRAX files (written by tests/fixtures/ndpi-fixture.ts and
 * mirax-fixture.ts, opened by OpenSlide itself — not look-alikes): recognised by content,
 * read through OpenSlide with the right levels, MPP and pixels, cross-checked with Debian's
 * openslide-python when present; and without the library, refused with `unsupported_format`
 * saying to install libopenslide0 — also through the HTTP API (415, nothing stored).
 */
import { spawnSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, open, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { detectSlideFormat, openSlide, type RgbImage, type SlideReader } from '@pathlens/slide-reader';
import { tissueGeometry } from '../fixtures/make-slide-fixtures.ts';
import { miraxFixture, miraxLevelZeroSize, writeMirax } from '../fixtures/mirax-fixture.ts';
import { ndpiFixture, writeNdpi } from '../fixtures/ndpi-fixture.ts';
import { startTestServer, waitForSlide } from '../helpers/test-server.ts';
import { openFailure } from './open-failure.ts';
import { openSlideAvailable, skipWithoutOpenSlide } from './openslide-availability.ts';

/**
 * A machine without libopenslide0, for the in-process server: while `hidden.openSlide` is set,
 * loading the library by its default names finds nothing, exactly as when it is not installed.
 */
const hidden = vi.hoisted(() => ({ openSlide: false }));
vi.mock('../../packages/slide-reader/src/openslide/openslide-library.ts', async (importOriginal) => {
  const actual =
    await importOriginal<typeof import('../../packages/slide-reader/src/openslide/openslide-library.ts')>();
  return {
    ...actual,
    loadOpenSlide: (libraryName?: string | null) => (hidden.openSlide ? null : actual.loadOpenSlide(libraryName)),
  };
});

const pythonOpenSlide = spawnSync('/usr/bin/python3', ['-c', 'import openslide'], { stdio: 'ignore' }).status === 0;
if (!pythonOpenSlide)
  console.info(
    '[skip] cross-check with openslide-python: /usr/bin/python3 with python3-openslide not found (apt-get install python3-openslide)',
  );

const directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-vendor-formats-'));
let ndpiPath = '';
let ndpiWithoutMcuStartsPath = '';
let mirax = { mrxsPath: '', folder: '' };

beforeAll(async () => {
  ndpiPath = await writeNdpi(directory);
  ndpiWithoutMcuStartsPath = await writeNdpi(directory, 'no-mcu-starts.ndpi', { mcuStarts: false });
  mirax = await writeMirax(directory);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** The synthetic tissue's colour at a level-0 point. */
function expectedRgb(xLevel0: number, yLevel0: number): readonly number[] {
  const disc = tissueGeometry.discs.find(
    (candidate) =>
      (xLevel0 - candidate.centreXLevel0) ** 2 + (yLevel0 - candidate.centreYLevel0) ** 2 <= candidate.radiusPx ** 2,
  );
  return disc?.rgb ?? [255, 255, 255];
}

/**
 * The largest mean absolute difference, over 32×32-px blocks, between a whole level as read and
 * the synthetic tissue drawn at that level's scale: small only when every tile decoded and
 * landed in its place (a missing or misplaced tile near a disc shows as one bad block).
 */
function worstBlockDifference(image: RgbImage, downsample: number): number {
  const blockPx = 32;
  let worst = 0;
  for (let blockY = 0; blockY < image.heightPx; blockY += blockPx) {
    for (let blockX = 0; blockX < image.widthPx; blockX += blockPx) {
      let total = 0;
      let count = 0;
      for (let y = blockY; y < Math.min(blockY + blockPx, image.heightPx); y++) {
        for (let x = blockX; x < Math.min(blockX + blockPx, image.widthPx); x++) {
          const expected = expectedRgb((x + 0.5) * downsample, (y + 0.5) * downsample);
          const offset = (y * image.widthPx + x) * 3;
          for (let channel = 0; channel < 3; channel++)
            total += Math.abs(image.data[offset + channel]! - expected[channel]!);
          count += 3;
        }
      }
      worst = Math.max(worst, total / count);
    }
  }
  return worst;
}

async function readWholeLevel(slide: SlideReader, level: number): Promise<RgbImage> {
  const { widthPx, heightPx } = slide.properties.levels[level]!;
  return slide.readRegion({ level, xLevel0: 0, yLevel0: 0, widthPx, heightPx });
}

describe('real NDPI and MIRAX files, recognised by content', () => {
  it('detects each without OpenSlide, whatever the name', async () => {
    const renamed = path.join(directory, 'scan-0042.tif');
    await copyFile(ndpiPath, renamed);
    for (const slidePath of [ndpiPath, renamed])
      expect(await detectSlideFormat(slidePath), slidePath).toBe('hamamatsu-ndpi');
    for (const slidePath of [mirax.mrxsPath, mirax.folder, path.join(mirax.folder, 'Slidedat.ini')])
      expect(await detectSlideFormat(slidePath), slidePath).toBe('mirax');
  });

  it('without the OpenSlide library: unsupported_format, saying to install libopenslide0', async () => {
    for (const slidePath of [ndpiPath, mirax.mrxsPath, mirax.folder]) {
      const error = await openFailure(slidePath, { openSlideLibrary: null });
      expect(error.code, slidePath).toBe('unsupported_format');
      expect(error.message, slidePath).toMatch(
        /(Hamamatsu NDPI|MIRAX) format, which PathLens reads through OpenSlide, and the OpenSlide library .* is not installed\. .*apt-get install libopenslide0/,
      );
      expect(error.details).toMatchObject({ needs: 'libopenslide0' });
    }
  });
});

describe('the HTTP API on a machine without libopenslide0, then with it', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  const errorOf = async (response: Response) =>
    ((await response.json()) as { error: { code: string; message: string; type: string } }).error;
  const upload = async (filePath: string) => {
    const form = new FormData();
    form.append('file', new Blob([await readFile(filePath)]), path.basename(filePath));
    return fetch(`${test.server.url}/v1/slides`, { method: 'POST', body: form });
  };
  const byPath = (slidePath: string) =>
    fetch(`${test.server.url}/v1/slides`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: slidePath }),
    });

  beforeAll(async () => {
    test = await startTestServer({ slideDirs: directory });
  });
  afterAll(async () => {
    hidden.openSlide = false;
    await test?.dispose();
  });

  it('answers 415 naming libopenslide0 for an NDPI upload and a MIRAX path, and stores nothing', async () => {
    hidden.openSlide = true;
    try {
      for (const response of [await upload(ndpiPath), await byPath(mirax.mrxsPath)]) {
        expect(response.status).toBe(415);
        const error = await errorOf(response);
        expect(error.code).toBe('unsupported_format');
        expect(error.message).toMatch(/OpenSlide library .* is not installed\. .*apt-get install libopenslide0/);
      }
    } finally {
      hidden.openSlide = false;
    }
    const slides = (await (await fetch(`${test.server.url}/v1/slides`)).json()) as { data: unknown[] };
    expect(slides.data).toEqual([]);
    const uploads = await readdir(path.join(test.dataDir, 'uploads')).catch(() => []);
    expect(uploads, 'the refused upload is not kept').toEqual([]);
  });

  it.skipIf(!openSlideAvailable)(
    'with libopenslide0: the same NDPI upload is queued and ingested at its own MPP',
    async () => {
      const response = await upload(ndpiPath);
      expect(response.status).toBe(202);
      const queued = (await response.json()) as { id: string };
      const slide = await waitForSlide(test.server.url, queued.id);
      expect(slide).toMatchObject({
        status: 'ready',
        format: 'hamamatsu-ndpi',
        vendor: 'hamamatsu',
        width_px: ndpiFixture.widthPx,
        height_px: ndpiFixture.heightPx,
        mpp_source: 'scanner_metadata',
        objective_power: 20,
      });
      expect(slide.mpp_x).toBeCloseTo(ndpiFixture.mpp, 6);
      expect(slide.patch_count).toBeGreaterThan(0);
      expect(slide.patch_count).toBeLessThan(slide.progress.tiles_total);
    },
  );
});

skipWithoutOpenSlide('reading real NDPI and MIRAX files');
describe.skipIf(!openSlideAvailable)('reading them through OpenSlide (libopenslide0)', () => {
  it.skipIf(!pythonOpenSlide)('openslide-python opens both with the written levels, MPP and macro image', () => {
    const script = [
      'import json, sys, openslide',
      'out = []',
      'for p in sys.argv[1:]:',
      '    s = openslide.OpenSlide(p)',
      "    out.append({'vendor': s.properties['openslide.vendor'], 'levels': s.level_dimensions, 'mpp': float(s.properties['openslide.mpp-x']),",
      "                'objective': s.properties['openslide.objective-power'], 'associated': sorted(s.associated_images.keys()),",
      "                'centre': s.read_region((800, 700), 0, (1, 1)).getpixel((0, 0))})",
      'print(json.dumps(out))',
    ].join('\n');
    const result = spawnSync('/usr/bin/python3', ['-c', script, ndpiPath, mirax.mrxsPath], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    const [ndpi, mrxs] = JSON.parse(result.stdout) as Array<{
      vendor: string;
      levels: number[][];
      mpp: number;
      objective: string;
      associated: string[];
      centre: number[];
    }>;
    console.info(`[openslide-python] NDPI: ${JSON.stringify(ndpi)}\n[openslide-python] MIRAX: ${JSON.stringify(mrxs)}`);
    expect(ndpi).toMatchObject({
      vendor: 'hamamatsu',
      objective: '20',
      associated: ['macro'],
      centre: [120, 60, 160, 255],
    });
    expect(ndpi!.levels.slice(0, ndpiFixture.levelCount)).toEqual([
      [2560, 1792],
      [1280, 896],
      [640, 448],
      [320, 224],
    ]);
    expect(ndpi!.mpp).toBeCloseTo(ndpiFixture.mpp, 9);
    expect(mrxs).toMatchObject({
      vendor: 'mirax',
      levels: [
        [2048, 1536],
        [1024, 768],
        [512, 384],
      ],
      mpp: miraxFixture.mpp,
      objective: '20',
      associated: ['macro'],
      centre: [120, 60, 160, 255],
    });
  });

  it('NDPI: levels, MPP, objective and macro image from the Hamamatsu tags; every tile of every level in place', async () => {
    const slide = await openSlide(ndpiPath);
    try {
      const { properties } = slide;
      expect(properties).toMatchObject({
        format: 'hamamatsu-ndpi',
        reader: 'openslide',
        vendor: 'hamamatsu',
        objectivePower: ndpiFixture.objectivePower,
        associatedImages: ['macro'],
        files: [ndpiPath],
      });
      expect(properties.mppX).toBeCloseTo(ndpiFixture.mpp, 9);
      expect(properties.mppY).toBeCloseTo(ndpiFixture.mpp, 9);
      // The four stored JPEGs, then OpenSlide's own levels decoded from the smallest at 1/2, 1/4, 1/8.
      expect(properties.levels.map((level) => [level.widthPx, level.heightPx, level.downsample])).toEqual(
        [1, 2, 4, 8, 16, 32, 64].map((downsample) => [
          ndpiFixture.widthPx / downsample,
          ndpiFixture.heightPx / downsample,
          downsample,
        ]),
      );
      for (let level = 0; level < ndpiFixture.levelCount; level++) {
        expect(worstBlockDifference(await readWholeLevel(slide, level), 2 ** level), `level ${level}`).toBeLessThan(12);
      }
      const macro = await slide.readAssociatedImage('macro');
      expect([macro.widthPx, macro.heightPx]).toEqual([ndpiFixture.macro.widthPx, ndpiFixture.macro.heightPx]);
    } finally {
      await slide.close();
    }
  });

  it('NDPI without McuStarts: OpenSlide finds the restart markers itself, same pixels', async () => {
    const [withStarts, withoutStarts] = [await openSlide(ndpiPath), await openSlide(ndpiWithoutMcuStartsPath)];
    try {
      const [first, second] = [await readWholeLevel(withStarts, 0), await readWholeLevel(withoutStarts, 0)];
      expect(first.data.equals(second.data)).toBe(true);
    } finally {
      await withStarts.close();
      await withoutStarts.close();
    }
  });

  it('MIRAX: opened from the .mrxs, its folder or its Slidedat.ini; levels, MPP and every image in place', async () => {
    for (const slidePath of [mirax.mrxsPath, mirax.folder, path.join(mirax.folder, 'Slidedat.ini')]) {
      const slide = await openSlide(slidePath);
      try {
        const { properties } = slide;
        expect(properties, slidePath).toMatchObject({
          format: 'mirax',
          reader: 'openslide',
          vendor: 'mirax',
          mppX: miraxFixture.mpp,
          mppY: miraxFixture.mpp,
          objectivePower: miraxFixture.objectivePower,
          associatedImages: ['macro'],
          files: [
            mirax.mrxsPath,
            ...['Data0000.dat', 'Index.dat', 'Slidedat.ini'].map((name) => path.join(mirax.folder, name)),
          ],
        });
        expect(properties.levels).toEqual(
          [1, 2, 4].map((downsample) => ({
            widthPx: miraxLevelZeroSize.widthPx / downsample,
            heightPx: miraxLevelZeroSize.heightPx / downsample,
            downsample,
          })),
        );
      } finally {
        await slide.close();
      }
    }
    const slide = await openSlide(mirax.mrxsPath);
    try {
      for (let level = 0; level < miraxFixture.levelCount; level++) {
        expect(worstBlockDifference(await readWholeLevel(slide, level), 2 ** level), `level ${level}`).toBeLessThan(12);
      }
    } finally {
      await slide.close();
    }
  });

  it('damaged copies fail with corrupt_file and the reason: truncated, restart markers overwritten, a data file emptied', async () => {
    const truncatedNdpi = path.join(directory, 'truncated.ndpi');
    await copyFile(ndpiPath, truncatedNdpi);
    await truncate(truncatedNdpi, 60_000);
    const ndpiError = await openFailure(truncatedNdpi);
    expect([ndpiError.code, ndpiError.message]).toEqual([
      'corrupt_file',
      expect.stringMatching(/damaged or truncated: .*past the end of the 60000-byte file/),
    ]);

    // Zeros over part of level 0's JPEG: it opens (the probe pixel decodes), the reads that need a lost restart marker
    // fail.
    const zeroedNdpi = path.join(directory, 'zeroed.ndpi');
    await copyFile(ndpiPath, zeroedNdpi);
    const handle = await open(zeroedNdpi, 'r+');
    await handle.write(Buffer.alloc(3000), 0, 3000, 40_000);
    await handle.close();
    const zeroed = await openSlide(zeroedNdpi);
    try {
      await expect(readWholeLevel(zeroed, 0)).rejects.toMatchObject({
        code: 'corrupt_file',
        message: expect.stringMatching(/OpenSlide cannot decode .*zeroed\.ndpi: Restart marker not found/),
      });
    } finally {
      await zeroed.close();
    }

    const broken = path.join(directory, 'broken-mirax');
    await mkdir(broken);
    const copy = await writeMirax(broken, 'slide');
    await writeFile(path.join(copy.folder, 'Data0000.dat'), Buffer.alloc(0));
    const miraxError = await openFailure(copy.mrxsPath);
    expect(miraxError.code, miraxError.message).toBe('corrupt_file');
    expect(miraxError.message).toMatch(/OpenSlide cannot (read|decode) .*slide\.mrxs: .+/);
  });
});
