import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '@pathlens/core';
import { ClipImageEncoder, type ImageEncoder } from '@pathlens/encoders';
import { ingestSlide, registerSlide } from '@pathlens/ingest';
import { openStore, type Store } from '@pathlens/store';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';

type PipelineEvent = { event: 'encode-start' | 'encode-end' | 'insert-start' | 'insert-end'; batch: number };

/** The real encoder, logging when each batch goes in and comes out. */
function loggingEncoder(inner: ImageEncoder, log: PipelineEvent[]): ImageEncoder & { images: number } {
  let calls = 0;
  const encoder = {
    images: 0,
    modelId: inner.modelId,
    embeddingDimension: inner.embeddingDimension,
    inputSizePx: inner.inputSizePx,
    maxBatchSize: inner.maxBatchSize,
    async embedImages(images: Parameters<ImageEncoder['embedImages']>[0]) {
      const batch = calls++;
      encoder.images += images.length;
      log.push({ event: 'encode-start', batch });
      const embeddings = await inner.embedImages(images);
      log.push({ event: 'encode-end', batch });
      return embeddings;
    },
    dispose: () => inner.dispose(),
  };
  return encoder;
}

describe('ingestSlide pipeline', () => {
  let directory: string;
  let store: Store;
  let encoder: ClipImageEncoder;
  const restore: (() => void)[] = [];

  /** A 1792 × 672 two-stain slide: 8 × 3 = 24 tissue patches of 224 px. */
  async function registerTwoStain(name: string, seed: number) {
    const filePath = path.join(directory, `${name}.png`);
    await writeTwoStainSlide(filePath, { widthPx: 1792 + seed, heightPx: 672 });
    return (
      await registerSlide(store, {
        filePath,
        encoderId: encoder.modelId,
        inputSizePx: 224,
        targetMpp: 0.5,
        tileAtLevel0: true,
      })
    ).slide;
  }

  /** Wrap the store's patch writes (slower, as a busy database is) and progress writes, logging them. */
  function instrumentWrites(
    log: PipelineEvent[],
    progressWrites: { tilesDone: number; patchCount: number; rowsStored: number }[],
    slowMs: number,
  ) {
    const insertBatch = store.patches.insertBatch.bind(store.patches);
    const updateProgress = store.slides.updateProgress.bind(store.slides);
    let inserts = 0;
    store.patches.insertBatch = async (slideId, rows) => {
      const batch = inserts++;
      log.push({ event: 'insert-start', batch });
      await new Promise((resolve) => setTimeout(resolve, slowMs));
      await insertBatch(slideId, rows);
      log.push({ event: 'insert-end', batch });
    };
    store.slides.updateProgress = async (slideId, counts) => {
      progressWrites.push({ ...counts, rowsStored: await store.patches.countForSlide(slideId) });
      await updateProgress(slideId, counts);
    };
    restore.push(() => {
      store.patches.insertBatch = insertBatch;
      store.slides.updateProgress = updateProgress;
    });
  }

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-pipeline-'));
    store = await openStore({ dataDir: path.join(directory, 'data') });
    encoder = await ClipImageEncoder.load({ modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' });
  });
  afterAll(async () => {
    for (const undo of restore.splice(0)) undo();
    await encoder?.dispose();
    await store?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('encodes the next batch while the previous one is being stored, storing in grid order, progress never ahead of the rows', async () => {
    const slide = await registerTwoStain('overlap', 1);
    const log: PipelineEvent[] = [];
    const progressWrites: { tilesDone: number; patchCount: number; rowsStored: number }[] = [];
    instrumentWrites(log, progressWrites, 40);
    try {
      await ingestSlide({ store, imageEncoder: loggingEncoder(encoder, log), logger: silentLogger }, slide, {
        minTissueFraction: 0.25,
        batchSize: 4,
      });
    } finally {
      restore.pop()!();
    }
    expect(await store.slides.findById(slide.id)).toMatchObject({ status: 'ready', patchCount: 24, tilesDone: 24 });
    const at = (event: PipelineEvent['event'], batch: number) =>
      log.findIndex((entry) => entry.event === event && entry.batch === batch);
    for (let batch = 1; batch < 6; batch++) {
      expect(
        at('encode-start', batch),
        `batch ${batch} goes to the encoder while batch ${batch - 1} is written`,
      ).toBeLessThan(at('insert-end', batch - 1));
      expect(at('insert-start', batch), 'one write at a time').toBeGreaterThan(at('insert-end', batch - 1));
    }
    expect(progressWrites.map((write) => write.patchCount)).toEqual([4, 8, 12, 16, 20, 24, 24]);
    for (const write of progressWrites) expect(write.rowsStored).toBe(write.patchCount);
    // Grid order: tiles_done only grows, so everything before it is stored.
    const tilesDone = progressWrites.map((write) => write.tilesDone);
    expect(tilesDone).toEqual([...tilesDone].sort((a, b) => a - b));
  });

  it('continues a resumed slide from where it stopped: progress goes on from the stored tiles_done, stored batches are not encoded again', async () => {
    const slide = await registerTwoStain('resumed', 2);
    const stop = new AbortController();
    await expect(
      ingestSlide({ store, imageEncoder: encoder, logger: silentLogger }, slide, {
        minTissueFraction: 0.25,
        batchSize: 4,
        signal: stop.signal,
        onProgress: ({ patchCount }) => {
          if (patchCount >= 8) stop.abort(); // stopped after two batches
        },
      }),
    ).rejects.toThrow(/resumes/);
    const interrupted = (await store.slides.findById(slide.id))!;
    expect(interrupted).toMatchObject({ status: 'running', tilesDone: 8, patchCount: 8, tilesTotal: 24 });
    expect(await store.patches.countForSlide(slide.id)).toBe(8);

    const progressWrites: { tilesDone: number; patchCount: number; rowsStored: number }[] = [];
    const reported: number[] = [];
    instrumentWrites([], progressWrites, 0);
    const secondRun = loggingEncoder(encoder, []);
    try {
      await ingestSlide({ store, imageEncoder: secondRun, logger: silentLogger }, interrupted, {
        minTissueFraction: 0.25,
        batchSize: 4,
        onProgress: ({ tilesDone }) => reported.push(tilesDone),
      });
    } finally {
      restore.pop()!();
    }
    expect(secondRun.images).toBe(16);
    expect(reported[0]).toBe(12); // not 4: the first 8 cells count as done
    expect(Math.min(...progressWrites.map((write) => write.tilesDone))).toBeGreaterThan(8);
    expect(await store.slides.findById(slide.id)).toMatchObject({ status: 'ready', patchCount: 24, tilesDone: 24 });
    expect(await store.patches.countForSlide(slide.id)).toBe(24);
  });
});
