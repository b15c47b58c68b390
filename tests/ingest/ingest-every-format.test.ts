/**
 * Every slide format PathLens reads, ingested end to end through the real pipeline: registered
 * (`registerSlide`: format by content, MPP from the file, patch size for 0.5 µm/px) and ingested
 * by the `IngestionWorker` (tissue mask, patch reads from the best level, tiny CLIP, embedded
 * PostgreSQL). Each fixture draws the same synthetic tissue (a purple and a pink disc on white
 * glass at known level-0 positions), so a stored patch must lie on a disc: a reader that
 * returned pixels from the wrong place, level or scale would fail here.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '@pathlens/core';
import { ClipImageEncoder } from '@pathlens/encoders';
import { IngestionWorker, patchGrid, registerSlide } from '@pathlens/ingest';
import type { SlideFormat } from '@pathlens/slide-reader';
import { openStore, type Store } from '@pathlens/store';
import * as dicomFixtures from '../fixtures/dicom-fixtures.ts';
import { fixtureMpp, tissueGeometry, writePyramidalTiff, writeSvsLikeTiff } from '../fixtures/make-slide-fixtures.ts';
import { miraxFixture, miraxLevelZeroSize, writeMirax } from '../fixtures/mirax-fixture.ts';
import { ndpiFixture, writeNdpi } from '../fixtures/ndpi-fixture.ts';
import { omeFixtureMpp, writeOmeTiff } from '../fixtures/vendor-tiff-fixtures.ts';
import { openSlideAvailable, skipWithoutOpenSlide } from '../slide-reader/openslide-availability.ts';

const targetMpp = 0.5;

interface FormatCase {
  name: string;
  /** Written in beforeAll. */
  write(directory: string): Promise<string>;
  format: SlideFormat;
  reader: 'sharp' | 'dicom' | 'openslide';
  mpp: number;
  level0: { widthPx: number; heightPx: number };
}

const fullSize = { widthPx: tissueGeometry.widthPx, heightPx: tissueGeometry.heightPx };

const withoutOpenSlide: FormatCase[] = [
  {
    name: 'pyramidal TIFF with resolution tags',
    write: (directory) => writePyramidalTiff(directory),
    format: 'pyramidal-tiff',
    reader: 'sharp',
    mpp: fixtureMpp.resolutionTags,
    level0: fullSize,
  },
  {
    name: 'SVS-like TIFF (Aperio description)',
    write: (directory) => writeSvsLikeTiff(directory),
    format: 'aperio-svs',
    reader: 'sharp',
    mpp: fixtureMpp.aperio,
    level0: fullSize,
  },
  {
    name: 'OME-TIFF with its pyramid in SubIFDs',
    write: (directory) => writeOmeTiff(directory),
    format: 'ome-tiff',
    reader: 'sharp',
    mpp: omeFixtureMpp,
    level0: fullSize,
  },
  {
    name: 'DICOM WSI, one multi-frame file',
    write: async (directory) =>
      (
        await dicomFixtures.writeDicomWsi(directory, {
          name: 'dicom-single',
          organisation: 'TILED_FULL',
          encoding: 'jpeg',
          levelCount: 1,
        })
      ).levelFiles[0]!,
    format: 'dicom-wsi',
    reader: 'dicom',
    mpp: dicomFixtures.dicomFixtureMpp,
    level0: fullSize,
  },
  {
    name: 'DICOM WSI, a folder of instances (2 levels, label, overview)',
    write: async (directory) =>
      (
        await dicomFixtures.writeDicomWsi(directory, {
          name: 'dicom-folder',
          organisation: 'TILED_FULL',
          encoding: 'jpeg',
          associatedImages: true,
        })
      ).directory,
    format: 'dicom-wsi',
    reader: 'dicom',
    mpp: dicomFixtures.dicomFixtureMpp,
    level0: fullSize,
  },
  {
    name: 'DICOM WSI, TILED_SPARSE (RGB said over YCbCr JPEG, fragmented frames)',
    write: async (directory) =>
      (
        await dicomFixtures.writeDicomWsi(directory, {
          name: 'dicom-sparse',
          organisation: 'TILED_SPARSE',
          encoding: 'jpeg',
          photometric: 'RGB',
          splitFragments: true,
          bareNames: true,
        })
      ).directory,
    format: 'dicom-wsi',
    reader: 'dicom',
    mpp: dicomFixtures.dicomFixtureMpp,
    level0: fullSize,
  },
];

const throughOpenSlide: FormatCase[] = [
  {
    name: 'Hamamatsu NDPI',
    write: (directory) => writeNdpi(directory),
    format: 'hamamatsu-ndpi',
    reader: 'openslide',
    mpp: ndpiFixture.mpp,
    level0: { widthPx: ndpiFixture.widthPx, heightPx: ndpiFixture.heightPx },
  },
  {
    name: 'MIRAX (.mrxs + folder)',
    write: async (directory) => (await writeMirax(directory)).mrxsPath,
    format: 'mirax',
    reader: 'openslide',
    mpp: miraxFixture.mpp,
    level0: miraxLevelZeroSize,
  },
];

/** Share of a level-0 square (clipped to the slide) covered by the fixture's discs, on a 4-px lattice. */
function discCoverage(
  cell: { xLevel0: number; yLevel0: number; sizeLevel0Px: number },
  level0: { widthPx: number; heightPx: number },
): number {
  let inside = 0;
  let total = 0;
  for (let y = cell.yLevel0 + 2; y < Math.min(cell.yLevel0 + cell.sizeLevel0Px, level0.heightPx); y += 4) {
    for (let x = cell.xLevel0 + 2; x < Math.min(cell.xLevel0 + cell.sizeLevel0Px, level0.widthPx); x += 4) {
      total++;
      if (
        tissueGeometry.discs.some(
          (disc) => (x - disc.centreXLevel0) ** 2 + (y - disc.centreYLevel0) ** 2 <= disc.radiusPx ** 2,
        )
      )
        inside++;
    }
  }
  return total === 0 ? 0 : inside / total;
}

describe('ingesting every slide format end to end', () => {
  let directory: string;
  let store: Store;
  let encoder: ClipImageEncoder;
  let worker: IngestionWorker;
  const paths = new Map<string, string>();

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-every-format-'));
    store = await openStore({ dataDir: path.join(directory, 'data') });
    encoder = await ClipImageEncoder.load({ modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' });
    worker = new IngestionWorker(
      { store, imageEncoder: encoder, logger: silentLogger },
      { minTissueFraction: 0.25, batchSize: 16, dataDir: path.join(directory, 'data') },
    );
    await worker.start();
    for (const formatCase of [...withoutOpenSlide, ...(openSlideAvailable ? throughOpenSlide : [])]) {
      paths.set(formatCase.name, await formatCase.write(directory));
    }
  });
  afterAll(async () => {
    await worker?.stop();
    await encoder?.dispose();
    await store?.close();
    await rm(directory, { recursive: true, force: true });
  });

  async function ingests(formatCase: FormatCase): Promise<void> {
    const filePath = paths.get(formatCase.name)!;
    const { slide, created } = await registerSlide(store, {
      filePath,
      encoderId: encoder.modelId,
      inputSizePx: encoder.inputSizePx,
      targetMpp,
    });
    const patchSizeLevel0Px = Math.round((encoder.inputSizePx * targetMpp) / formatCase.mpp);
    expect(created).toBe(true);
    expect(slide).toMatchObject({
      format: formatCase.format,
      status: 'queued',
      mppSource: expect.stringMatching(/^(pixel_spacing|scanner_metadata|ome_physical_size|tiff_resolution)$/),
      patchSizeLevel0Px,
      widthPx: formatCase.level0.widthPx,
      heightPx: formatCase.level0.heightPx,
    });
    expect(slide.mppX).toBeCloseTo(formatCase.mpp, 6);
    expect(slide.mppY).toBeCloseTo(formatCase.mpp, 6);

    worker.enqueue(slide.id);
    await worker.idle();
    const finished = (await store.slides.findById(slide.id))!;
    expect(finished.failureReason ?? null, `${formatCase.name} failed`).toBeNull();
    const grid = patchGrid({ ...formatCase.level0, patchSizePx: patchSizeLevel0Px });
    expect(finished).toMatchObject({ status: 'ready', tilesTotal: grid.length, tilesDone: grid.length });
    // Glass around the discs is skipped; the discs are not.
    expect(finished.patchCount).toBeGreaterThan(0);
    expect(finished.patchCount).toBeLessThan(grid.length);
    expect(finished.embedding).toHaveLength(512);

    const patches = await store.search.slidePatchSimilarities(slide.id, [finished.embedding!]);
    expect(patches).toHaveLength(finished.patchCount);
    for (const patch of patches) {
      expect(patch.sizeLevel0Px).toBe(patchSizeLevel0Px);
      expect(patch.xLevel0 % patchSizeLevel0Px, 'on the level-0 grid').toBe(0);
      expect(patch.yLevel0 % patchSizeLevel0Px, 'on the level-0 grid').toBe(0);
      expect(patch.xLevel0).toBeGreaterThanOrEqual(0);
      expect(patch.yLevel0).toBeGreaterThanOrEqual(0);
      expect(patch.xLevel0).toBeLessThan(formatCase.level0.widthPx);
      expect(patch.yLevel0).toBeLessThan(formatCase.level0.heightPx);
      // On a disc (the mask is a little coarser than the truth).
      expect(discCoverage(patch, formatCase.level0), `patch at (${patch.xLevel0}, ${patch.yLevel0})`).toBeGreaterThan(
        0.15,
      );
    }
    const stored = new Set(patches.map((patch) => `${patch.xLevel0},${patch.yLevel0}`));
    const clearlyTissue = grid.filter((cell) => discCoverage(cell, formatCase.level0) >= 0.5);
    expect(clearlyTissue.length).toBeGreaterThan(0);
    for (const cell of clearlyTissue)
      expect(stored.has(`${cell.xLevel0},${cell.yLevel0}`), `tissue cell at (${cell.xLevel0}, ${cell.yLevel0})`).toBe(
        true,
      );
  }

  for (const formatCase of withoutOpenSlide) {
    it(`${formatCase.name}: ready at its own MPP, tissue patches only, slide embedding`, () => ingests(formatCase));
  }

  skipWithoutOpenSlide('ingesting NDPI and MIRAX');
  for (const formatCase of throughOpenSlide) {
    it.skipIf(!openSlideAvailable)(
      `${formatCase.name} through OpenSlide: ready at its own MPP, tissue patches only, slide embedding`,
      () => ingests(formatCase),
    );
  }

  it.skipIf(!openSlideAvailable)(
    'an NDPI damaged inside level 0 is marked failed with OpenSlide’s reason, never ready',
    async () => {
      const damagedPath = await writeNdpi(directory, 'damaged.ndpi');
      const handle = await open(damagedPath, 'r+');
      await handle.write(Buffer.alloc(3000), 0, 3000, 40_000); // over restart markers McuStarts points at
      await handle.close();
      const { slide } = await registerSlide(store, {
        filePath: damagedPath,
        encoderId: encoder.modelId,
        inputSizePx: encoder.inputSizePx,
        targetMpp,
      });
      worker.enqueue(slide.id);
      await worker.idle();
      const failed = (await store.slides.findById(slide.id))!;
      expect(failed.status).toBe('failed');
      expect(failed.failureReason).toMatch(/OpenSlide cannot decode .*damaged\.ndpi: Restart marker not found/);
      expect(failed.embedding).toBeNull();
    },
  );
});
