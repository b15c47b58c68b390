import { access, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '@pathlens/core';
import { ClipImageEncoder } from '@pathlens/encoders';
import {
  ingestSlide,
  patchGrid,
  patchReadPlan,
  readPatch,
  registerSlide,
  tilingResolution,
  tissueMaskPath,
} from '@pathlens/ingest';
import { openSlide } from '@pathlens/slide-reader';
import { openStore, type Store } from '@pathlens/store';
import { fixtureMpp, tissueGeometry, writeJpeg, writePyramidalTiff } from '../fixtures/make-slide-fixtures.ts';

function meanRgb(data: Buffer): number[] {
  const sums = [0, 0, 0];
  for (let index = 0; index < data.length; index++) sums[index % 3]! += data[index]!;
  return sums.map((sum) => sum / (data.length / 3));
}

/** Share of a level-0 square covered by the fixture's discs, counted on a 4-px lattice. */
function discCoverage(cell: { xLevel0: number; yLevel0: number; sizeLevel0Px: number }): number {
  let inside = 0;
  let total = 0;
  for (let y = cell.yLevel0 + 2; y < cell.yLevel0 + cell.sizeLevel0Px; y += 4) {
    for (let x = cell.xLevel0 + 2; x < cell.xLevel0 + cell.sizeLevel0Px; x += 4) {
      total++;
      if (
        tissueGeometry.discs.some(
          (disc) => (x - disc.centreXLevel0) ** 2 + (y - disc.centreYLevel0) ** 2 <= disc.radiusPx ** 2,
        )
      )
        inside++;
    }
  }
  return inside / total;
}

describe('patch size from the target MPP', () => {
  it('covers inputSizePx × targetMpp µm: round(224 × 0.5 / mpp) level-0 px, the request’s MPP winning over the file’s', () => {
    const base = { inputSizePx: 224, targetMpp: 0.5 };
    expect(tilingResolution({ ...base, fileMpp: { x: 0.25, y: 0.25 } })).toEqual({
      patchSizeLevel0Px: 448,
      targetMpp: 0.5,
      mppLevel0: 0.25,
      mppSource: 'file',
      warnings: [],
    });
    expect(tilingResolution({ ...base, fileMpp: { x: 0.499, y: 0.499 } }).patchSizeLevel0Px).toBe(224);
    expect(tilingResolution({ ...base, fileMpp: { x: 0.2527, y: 0.2527 } }).patchSizeLevel0Px).toBe(443);
    expect(tilingResolution({ ...base, fileMpp: { x: 0.25, y: 0.25 }, requestMpp: 1 })).toMatchObject({
      patchSizeLevel0Px: 112,
      mppSource: 'user',
      mppLevel0: 1,
    });
    expect(tilingResolution({ ...base, targetMpp: 2, fileMpp: { x: 0.5, y: 0.5 } }).patchSizeLevel0Px).toBe(896);
  });

  it('refuses a slide without MPP, saying how to give one, unless level-0 tiling is asked for', () => {
    const base = { inputSizePx: 224, targetMpp: 0.5, fileMpp: { x: null, y: null }, slideName: 'case-7.png' };
    expect(() => tilingResolution(base)).toThrow(
      expect.objectContaining({
        code: 'missing_mpp',
        message: expect.stringMatching(/case-7\.png.*--mpp.*"mpp".*tile_at_level0/s),
      }),
    );
    expect(tilingResolution({ ...base, tileAtLevel0: true })).toEqual({
      patchSizeLevel0Px: 224,
      targetMpp: null,
      mppLevel0: null,
      mppSource: 'none',
      warnings: [],
    });
  });

  it('reads from the most reduced level not coarser than needed', () => {
    const levels = [{ downsample: 1 }, { downsample: 4.0003 }, { downsample: 16.001 }];
    expect(patchReadPlan(levels, 224, 224)).toEqual({ level: 0, sizeAtLevelPx: 224 });
    expect(patchReadPlan(levels, 448, 224)).toEqual({ level: 0, sizeAtLevelPx: 448 });
    expect(patchReadPlan(levels, 896, 224)).toEqual({ level: 1, sizeAtLevelPx: 224 });
    expect(patchReadPlan(levels, 1792, 224)).toEqual({ level: 1, sizeAtLevelPx: 448 });
    expect(patchReadPlan(levels, 100_000, 224)).toEqual({ level: 2, sizeAtLevelPx: 6250 });
    expect(patchReadPlan(levels, 112, 224)).toEqual({ level: 0, sizeAtLevelPx: 112 }); // enlarged: nothing finer exists
  });
});

describe('ingesting a pyramidal TIFF (0.5 µm/px) at 1 µm/px', () => {
  let directory: string;
  let store: Store;
  let encoder: ClipImageEncoder;
  let pyramidPath: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-tiling-'));
    store = await openStore({ dataDir: path.join(directory, 'data') });
    encoder = await ClipImageEncoder.load({ modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' });
    pyramidPath = await writePyramidalTiff(directory);
  });
  afterAll(async () => {
    await encoder?.dispose();
    await store?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('reads each patch from level 1 at the encoder’s size, with the same pixels as level 0 shrunk', async () => {
    const reader = await openSlide(pyramidPath);
    try {
      const plan = patchReadPlan(reader.properties.levels, 448, 224);
      expect(plan).toEqual({ level: 1, sizeAtLevelPx: 224 });
      const purple = tissueGeometry.discs[0]!;
      const cell = { xLevel0: purple.centreXLevel0 - 224, yLevel0: purple.centreYLevel0 - 224, sizeLevel0Px: 448 };
      const fromLevel1 = await readPatch(reader, cell, plan, 224);
      const fromLevel0 = await readPatch(reader, cell, { level: 0, sizeAtLevelPx: 448 }, 224);
      expect([fromLevel1.widthPx, fromLevel1.heightPx, fromLevel0.widthPx]).toEqual([224, 224, 224]);
      const [level1Mean, level0Mean] = [meanRgb(fromLevel1.data), meanRgb(fromLevel0.data)];
      level1Mean.forEach((value, channel) => expect(Math.abs(value - purple.rgb[channel]!)).toBeLessThan(6));
      level1Mean.forEach((value, channel) => expect(Math.abs(value - level0Mean[channel]!)).toBeLessThan(3));
    } finally {
      await reader.close();
    }
  });

  it('stores 448-px patches in level-0 coordinates on the discs only, the mask, and the prototypes', async () => {
    const dataDir = path.join(directory, 'data');
    const { slide } = await registerSlide(store, {
      filePath: pyramidPath,
      encoderId: encoder.modelId,
      inputSizePx: encoder.inputSizePx,
      targetMpp: 1,
    });
    expect(slide).toMatchObject({
      patchSizeLevel0Px: 448,
      targetMpp: 1,
      mppSource: 'tiff_resolution',
      mppX: fixtureMpp.resolutionTags,
    });
    await ingestSlide({ store, imageEncoder: encoder, logger: silentLogger }, slide, {
      minTissueFraction: 0.25,
      batchSize: 8,
      dataDir,
    });

    const ready = (await store.slides.findById(slide.id))!;
    const grid = patchGrid({ widthPx: tissueGeometry.widthPx, heightPx: tissueGeometry.heightPx, patchSizePx: 448 });
    expect(grid).toHaveLength(7 * 4); // 6 whole columns + a 302-px one (kept), 4 whole rows (a 198-px sliver dropped)
    expect(ready).toMatchObject({ status: 'ready', tilesTotal: grid.length, tilesDone: grid.length });

    const patches = await store.search.nearestPatches(
      Array.from(
        (
          await encoder.embedImages([{ data: new Uint8Array(224 * 224 * 3).fill(128), widthPx: 224, heightPx: 224 }])
        )[0]!,
      ),
      { k: 100, slideId: slide.id },
    );
    expect(patches).toHaveLength(ready.patchCount);
    for (const patch of patches) {
      expect(patch.sizeLevel0Px).toBe(448);
      expect(patch.xLevel0 % 448).toBe(0);
      expect(patch.yLevel0 % 448).toBe(0);
      expect(discCoverage(patch)).toBeGreaterThan(0.15); // on a disc (the mask is a little coarser than the truth)
    }
    // The cells a disc covers at least a third of are all there; those it misses are not.
    const clearlyTissue = grid
      .filter((cell) => discCoverage(cell) >= 0.33)
      .map((cell) => `${cell.xLevel0},${cell.yLevel0}`);
    const clearlyGlass = grid
      .filter((cell) => discCoverage(cell) < 0.15)
      .map((cell) => `${cell.xLevel0},${cell.yLevel0}`);
    const stored = new Set(patches.map((patch) => `${patch.xLevel0},${patch.yLevel0}`));
    expect(clearlyTissue.every((key) => stored.has(key))).toBe(true);
    expect(clearlyGlass.some((key) => stored.has(key))).toBe(false);
    expect(clearlyGlass.length).toBeGreaterThan(5);

    await access(tissueMaskPath(dataDir, slide.id)); // the mask is kept for the viewer and for a resumed run

    const prototypes = await store.prototypes.forSlide(slide.id);
    expect(prototypes).toHaveLength(Math.min(12, Math.round(Math.sqrt(ready.patchCount))));
    expect(prototypes.reduce((sum, prototype) => sum + prototype.weight, 0)).toBeCloseTo(1, 5);
    for (const prototype of prototypes) {
      expect(prototype.representativePatches.length).toBeGreaterThanOrEqual(1);
      expect(prototype.representativePatches.length).toBeLessThanOrEqual(3);
      for (const patch of prototype.representativePatches)
        expect(stored.has(`${patch.xLevel0},${patch.yLevel0}`)).toBe(true);
    }
  }, 180_000);

  it('refuses a file without MPP with no row left, and takes it with --mpp or level-0 tiling', async () => {
    const jpegPath = await writeJpeg(directory);
    const options = { filePath: jpegPath, encoderId: encoder.modelId, inputSizePx: 224, targetMpp: 0.5 };
    const before = (await store.slides.list()).length;
    await expect(registerSlide(store, options)).rejects.toMatchObject({
      code: 'missing_mpp',
      message: expect.stringContaining('--mpp'),
    });
    expect(await store.slides.list()).toHaveLength(before);

    const { slide, created } = await registerSlide(store, {
      ...options,
      mpp: 0.25,
      metadata: { organ: 'colon', stain: 'H&E' },
    });
    expect(created).toBe(true);
    expect(slide).toMatchObject({
      patchSizeLevel0Px: 448,
      targetMpp: 0.5,
      mppSource: 'user',
      mppX: 0.25,
      mppY: 0.25,
      metadata: { organ: 'colon', stain: 'H&E' },
    });

    // The same bytes again without an MPP: the slide already there, not a refusal.
    expect(await registerSlide(store, options)).toMatchObject({ created: false, slide: { id: slide.id } });

    // Forced with another MPP once finished: tiled anew (its old patches go).
    await store.patches.insertBatch(slide.id, [
      {
        xLevel0: 0,
        yLevel0: 0,
        sizeLevel0Px: 448,
        tissueFraction: 1,
        embedding: new Array(512).fill(0).map((_, index) => (index === 0 ? 1 : 0)),
      },
    ]);
    await store.slides.markFailed(slide.id, 'test');
    const forced = await registerSlide(store, { ...options, mpp: 0.5, force: true });
    expect(forced.slide).toMatchObject({
      id: slide.id,
      status: 'queued',
      patchSizeLevel0Px: 224,
      mppX: 0.5,
      metadata: { organ: 'colon', stain: 'H&E' },
    });
    expect(await store.patches.countForSlide(slide.id)).toBe(0);

    await store.slides.markFailed(slide.id, 'test');
    const level0 = await registerSlide(store, { ...options, tileAtLevel0: true, force: true });
    expect(level0.slide).toMatchObject({ patchSizeLevel0Px: 224, mppSource: 'none', targetMpp: null, mppX: null });
  });
});
