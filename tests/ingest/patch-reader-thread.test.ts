import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '@pathlens/core';
import { ClipImageEncoder } from '@pathlens/encoders';
import { ingestSlide, registerSlide } from '@pathlens/ingest';
import { openStore, type Store } from '@pathlens/store';
import { writePyramidalTiff } from '../fixtures/make-slide-fixtures.ts';

describe('reading patches in a worker thread', () => {
  let directory: string;
  let store: Store;
  let encoder: ClipImageEncoder;
  let slidePath: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-read-thread-'));
    store = await openStore({ dataDir: path.join(directory, 'data') });
    encoder = await ClipImageEncoder.load({ modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' });
    slidePath = await writePyramidalTiff(directory);
  });
  afterAll(async () => {
    await encoder?.dispose();
    await store?.close();
    await rm(directory, { recursive: true, force: true });
  });

  const ingest = async (readThreadMinPatches: number) => {
    const { slide } = await registerSlide(store, {
      filePath: slidePath,
      encoderId: encoder.modelId,
      inputSizePx: encoder.inputSizePx,
      targetMpp: 0.5,
      name: `thread-${readThreadMinPatches}`,
    });
    await ingestSlide({ store, imageEncoder: encoder, logger: silentLogger }, slide, {
      minTissueFraction: 0.25,
      batchSize: 8,
      readThreadMinPatches,
    });
    const ready = (await store.slides.findById(slide.id))!;
    return {
      ready,
      patches: await store.prototypes.patchesToCluster(slide.id, 10_000),
      prototypes: await store.prototypes.forSlide(slide.id),
    };
  };

  it('stores the same patches, embeddings, slide embedding and prototypes (k-means in the thread) as the ingesting thread alone', async () => {
    const inThread = await ingest(0);
    const here = await ingest(Number.POSITIVE_INFINITY);
    expect(inThread.ready.status).toBe('ready');
    expect(inThread.ready.patchCount).toBeGreaterThan(20);
    expect(inThread.ready.patchCount).toBe(here.ready.patchCount);
    expect(inThread.ready.tilesDone).toBe(here.ready.tilesDone);
    expect(inThread.patches.map((patch) => patch.embedding)).toEqual(here.patches.map((patch) => patch.embedding));
    expect(inThread.ready.embedding).toEqual(here.ready.embedding);
    expect(inThread.prototypes.length).toBeGreaterThan(1);
    // Same clusters and weights; centres equal up to float32 rounding (the thread gets the embeddings as float32, the
    // ingesting thread as the database's text of them).
    expect(inThread.prototypes.map((prototype) => prototype.weight)).toEqual(
      here.prototypes.map((prototype) => prototype.weight),
    );
    inThread.prototypes.forEach((prototype, index) =>
      prototype.embedding.forEach((value, dimension) =>
        expect(value).toBeCloseTo(here.prototypes[index]!.embedding[dimension]!, 5),
      ),
    );
  });

  it('fails the run with the reader’s own error when the file cannot be opened in the thread', async () => {
    const { slide } = await registerSlide(store, {
      filePath: slidePath,
      encoderId: encoder.modelId,
      inputSizePx: encoder.inputSizePx,
      targetMpp: 0.5,
      name: 'moved-away',
    });
    const run = ingestSlide(
      {
        store,
        imageEncoder: encoder,
        logger: silentLogger,
        // The ingesting thread's opener still finds the file; the thread opens the row's (now missing) path.
        openSlide: async () => (await import('@pathlens/slide-reader')).openSlide(slidePath),
      },
      { ...slide, filePath: path.join(directory, 'gone.tif') },
      { minTissueFraction: 0.25, batchSize: 8, readThreadMinPatches: 0 },
    );
    await expect(run).rejects.toMatchObject({ code: 'not_found' });
  });
});
