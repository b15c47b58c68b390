import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectSlideFormat, openSlide, type SlideFormat, type SlideReader } from '@pathlens/slide-reader';
import { sharedDataFile } from '../helpers/shared-data.ts';
import * as fixtures from '../fixtures/make-slide-fixtures.ts';
import * as vendorFixtures from '../fixtures/vendor-tiff-fixtures.ts';
import { openFailure } from './open-failure.ts';
import { openSlideAvailable, skipWithoutOpenSlide } from './openslide-availability.ts';

const directory = await mkdtemp(path.join(tmpdir(), 'pathlens-openslide-'));
const vendorFiles: Array<{ name: string; path: string; format: SlideFormat }> = [];
let svsPath = '';

beforeAll(async () => {
  const mirax = await vendorFixtures.writeMiraxLike(directory);
  vendorFiles.push(
    {
      name: 'NDPI (Hamamatsu tags, .tif name)',
      path: await vendorFixtures.writeNdpiLikeTiff(directory),
      format: 'hamamatsu-ndpi',
    },
    {
      name: 'SVS with JPEG 2000 tiles',
      path: await vendorFixtures.writeJpeg2000SvsLikeTiff(directory),
      format: 'aperio-svs',
    },
    { name: 'Leica SCN', path: await vendorFixtures.writeLeicaScnLikeTiff(directory), format: 'leica-scn' },
    { name: 'Philips TIFF', path: await vendorFixtures.writePhilipsLikeTiff(directory), format: 'philips-tiff' },
    { name: 'Ventana BIF', path: await vendorFixtures.writeVentanaLikeTiff(directory), format: 'ventana-bif' },
    { name: 'MIRAX .mrxs', path: mirax.mrxsPath, format: 'mirax' },
    { name: 'MIRAX folder', path: mirax.folder, format: 'mirax' },
    { name: 'MIRAX Slidedat.ini', path: path.join(mirax.folder, 'Slidedat.ini'), format: 'mirax' },
  );
  svsPath = await fixtures.writeSvsLikeTiff(directory);
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('formats read through OpenSlide, recognised by content', () => {
  it('detects each vendor format without OpenSlide', async () => {
    for (const file of vendorFiles) expect(await detectSlideFormat(file.path), file.name).toBe(file.format);
  });

  it('fails clearly without the library, saying what to install', async () => {
    for (const file of vendorFiles) {
      for (const openSlideLibrary of [null, 'libopenslide-not-installed.so.9']) {
        const error = await openFailure(file.path, { openSlideLibrary });
        expect(error.code, file.name).toBe('unsupported_format');
        expect(error.message, file.name).toMatch(
          /reads through OpenSlide, and the OpenSlide library \(libopenslide\.so\.0\) is not installed\. .*apt-get install libopenslide0/,
        );
      }
    }
  });

  it('keeps JPEG-tiled Aperio slides on sharp even with OpenSlide available', async () => {
    const slide = await openSlide(svsPath);
    expect(slide.properties.reader).toBe('sharp');
    await slide.close();
  });
});

skipWithoutOpenSlide('OpenSlide reader checks');
describe.skipIf(!openSlideAvailable)('OpenSlide reader (libopenslide0)', () => {
  it('reports look-alike vendor files it cannot read as damaged, with OpenSlide’s reason', async () => {
    for (const file of vendorFiles) {
      const error = await openFailure(file.path, {});
      expect(['corrupt_file', 'unsupported_format'], `${file.name}: ${error.message}`).toContain(error.code);
      expect(error.message, file.name).toMatch(/OpenSlide/);
    }
  });

  it('refuses a header declaring a huge image, a truncated file and missing tile data', async () => {
    const huge = await openFailure(await fixtures.writeHugeDeclaredTiff(directory), { reader: 'openslide' });
    expect([huge.code, huge.message]).toEqual([
      'slide_too_large',
      expect.stringMatching(/250000×1990 px level 0, over the 200000 px per side limit/),
    ]);
    const truncated = await openFailure(await fixtures.writeTruncatedTiff(directory), { reader: 'openslide' });
    expect([truncated.code, truncated.message]).toEqual(['corrupt_file', expect.stringMatching(/truncated/)]);
    // The tiles' bytes lie past the end: OpenSlide fails decoding the pixel each level is probed for at open.
    const pastEnd = await openFailure(await fixtures.writeTiffWithDataPastEnd(directory), { reader: 'openslide' });
    expect([pastEnd.code, pastEnd.message]).toEqual([
      'corrupt_file',
      expect.stringMatching(/OpenSlide cannot decode .*: .+\. The file may be damaged/),
    ]);
  });

  it('reads the same pixels as the sharp reader at every level (subpixel-shifted where the downsample is not whole)', async () => {
    const viaOpenSlide = await openSlide(svsPath, { reader: 'openslide' });
    const viaSharp = await openSlide(svsPath);
    try {
      expect(viaOpenSlide.properties.reader).toBe('openslide');
      expect(viaOpenSlide.properties.levels).toEqual(viaSharp.properties.levels);
      for (let level = 0; level < viaSharp.properties.levels.length; level++) {
        for (const [x, y] of [
          [0, 0],
          [700, 650],
          [2900, 1900],
        ] as const) {
          const region = { level, xLevel0: x, yLevel0: y, widthPx: 96, heightPx: 80 };
          const [first, second] = [await viaOpenSlide.readRegion(region), await viaSharp.readRegion(region)];
          // OpenSlide places level-0 positions at fractional level pixels (cairo resamples); we round down.
          if (Number.isInteger(viaSharp.properties.levels[level]!.downsample)) {
            expect(first.data.equals(second.data), `level ${level} at (${x}, ${y})`).toBe(true);
          } else {
            const difference =
              first.data.reduce((total, value, index) => total + Math.abs(value - second.data[index]!), 0) /
              first.data.length;
            expect(difference, `level ${level} at (${x}, ${y})`).toBeLessThan(3);
          }
        }
      }
    } finally {
      await viaOpenSlide.close();
      await viaSharp.close();
    }
  });

  it('waits for reads in flight before closing the handle', async () => {
    const slide = await openSlide(svsPath, { reader: 'openslide' });
    const reads = Array.from({ length: 8 }, (_, index) =>
      slide.readRegion({ level: 0, xLevel0: index * 200, yLevel0: 500, widthPx: 256, heightPx: 256 }),
    );
    await slide.close();
    const images = await Promise.all(reads);
    expect(images.every((image) => image.data.length === 256 * 256 * 3)).toBe(true);
    await expect(slide.readRegion({ level: 0, xLevel0: 0, yLevel0: 0, widthPx: 8, heightPx: 8 })).rejects.toThrow(
      /closed/,
    );
  });

  const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');
  it.skipIf(!realSvs)('agrees with sharp on the real SVS and prints region timings for both', async () => {
    const readers: Record<string, SlideReader> = {
      sharp: await openSlide(realSvs!),
      openslide: await openSlide(realSvs!, { reader: 'openslide' }),
    };
    try {
      const first = await readers.sharp!.readRegion({
        level: 0,
        xLevel0: 1000,
        yLevel0: 1400,
        widthPx: 224,
        heightPx: 224,
      });
      const second = await readers.openslide!.readRegion({
        level: 0,
        xLevel0: 1000,
        yLevel0: 1400,
        widthPx: 224,
        heightPx: 224,
      });
      const difference =
        first.data.reduce((total, value, index) => total + Math.abs(value - second.data[index]!), 0) /
        first.data.length;
      expect(difference).toBeLessThan(1);
      for (const [name, reader] of Object.entries(readers)) {
        const started = performance.now();
        for (let index = 0; index < 40; index++) {
          await reader.readRegion({
            level: 0,
            xLevel0: (index % 9) * 224,
            yLevel0: Math.floor(index / 9) * 224,
            widthPx: 224,
            heightPx: 224,
          });
        }
        console.info(
          `[timing] CMU-1-Small-Region.svs via ${name}: 224² region ${((performance.now() - started) / 40).toFixed(2)} ms`,
        );
      }
    } finally {
      await Promise.all(Object.values(readers).map((reader) => reader.close()));
    }
  });
});
