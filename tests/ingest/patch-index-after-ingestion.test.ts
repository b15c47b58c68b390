import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '@pathlens/core';
import { ClipImageEncoder } from '@pathlens/encoders';
import { IngestionWorker, registerSlide } from '@pathlens/ingest';
import { openStore, type Store } from '@pathlens/store';
import { createFreshDatabase } from '../helpers/fresh-database.ts';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { until } from '../helpers/until.ts';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl)
  console.warn('[skip] DATABASE_URL is not set: building the patch index after ingestion needs a PostgreSQL server.');

describe.skipIf(!serverUrl)('the patch index past PATCH_INDEX_MIN_ROWS', () => {
  let directory: string;
  let store: Store;
  let database: Awaited<ReturnType<typeof createFreshDatabase>>;
  let encoder: ClipImageEncoder;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-patch-index-'));
    database = await createFreshDatabase(serverUrl!);
    store = await openStore({ dataDir: directory, databaseUrl: database.url });
    encoder = await ClipImageEncoder.load({ modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' });
  }, 120_000);
  afterAll(async () => {
    await encoder?.dispose();
    await store?.close();
    await database?.drop();
    await rm(directory, { recursive: true, force: true });
  });

  it('is built in the background once an ingested slide brings the patch count past the threshold', async () => {
    const worker = new IngestionWorker(
      { store, imageEncoder: encoder, logger: silentLogger },
      { minTissueFraction: 0.25, batchSize: 8, pollIntervalMs: 50, patchIndex: { minRows: 20, growthFactor: 4 } },
    );
    await worker.start();
    await worker.idle();
    // Nothing stored yet: below the threshold, no index.
    expect((await store.patchIndex.state()).status).toBe('absent');

    // A 1792 × 672 two-stain slide: 24 tissue patches of 224 px.
    const filePath = path.join(directory, 'two-stain.png');
    await writeTwoStainSlide(filePath, { widthPx: 1792, heightPx: 672 });
    const { slide } = await registerSlide(store, {
      filePath,
      encoderId: encoder.modelId,
      inputSizePx: 224,
      targetMpp: 0.5,
      tileAtLevel0: true,
    });
    worker.enqueue(slide.id);
    await until(async () => (await store.slides.findById(slide.id))?.status === 'ready', 'the slide to be ready');
    await until(async () => (await store.patchIndex.state()).status === 'ready', 'the patch index to be built');
    expect(await store.patchIndex.state()).toMatchObject({ lists: 10, rowsAtBuild: 24 });
    await worker.stop();

    // Cross-slide search now runs on the index. All 10 lists probed: as close as exact, up to the 16-bit rounding the
    // index orders by (this slide's patches are near-duplicates, so ties may swap).
    const query = Array.from({ length: 512 }, (_, index) => (index % 3 === 0 ? 0.1 : -0.02));
    const viaIndex = await store.search.nearestPatches(query, { k: 5, probes: 10 });
    const exact = await store.search.nearestPatches(query, { k: 5, mode: 'exact' });
    expect(viaIndex).toHaveLength(5);
    for (const [rank, hit] of viaIndex.entries()) expect(hit.score).toBeCloseTo(exact[rank]!.score, 3);
  }, 120_000);
});
