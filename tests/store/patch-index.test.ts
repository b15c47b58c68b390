import os from 'node:os';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, patchIndexLockKey, patchIndexName, type Store } from '@pathlens/store';
import { createFreshDatabase } from '../helpers/fresh-database.ts';
import { clusteredSet, storeClusteredSlides } from '../helpers/clustered-patches.ts';
import { newSlideRow, testStoreFactories } from '../helpers/test-stores.ts';

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl)
  console.warn('[skip] DATABASE_URL is not set: the patch index tests need a PostgreSQL server (.ci/run sets one up).');

describe.skipIf(!serverUrl)('the cross-slide patch index on PostgreSQL', () => {
  let store: Store;
  let database: Awaited<ReturnType<typeof createFreshDatabase>>;
  let slideIds: string[];
  const set = clusteredSet(7);

  beforeAll(async () => {
    database = await createFreshDatabase(serverUrl!);
    // 3,000 rows are few enough that the planner would rather scan: discourage that, so the plan shows what the
    // index is used for (every connection the store opens gets this).
    const admin = postgres(database.url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`alter database ${new URL(database.url).pathname.slice(1)} set enable_seqscan = off`);
    await admin.end();
    store = await openStore({ dataDir: os.tmpdir(), databaseUrl: database.url });
    slideIds = await storeClusteredSlides(store, 7);
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('builds past PATCH_INDEX_MIN_ROWS only, and again once the patches have grown by the factor', async () => {
    expect(await store.patchIndex.maintain({ minRows: 5000, growthFactor: 4 })).toBeUndefined();
    expect((await store.patchIndex.state()).status).toBe('absent');

    const built = await store.patchIndex.maintain({ minRows: 2000, growthFactor: 4 });
    expect(built?.outcome).toBe('built');
    expect(await store.patchIndex.state()).toMatchObject({ status: 'ready', lists: 10, rowsAtBuild: 3000 });
    // Not grown enough: nothing to do.
    expect(await store.patchIndex.maintain({ minRows: 2000, growthFactor: 4 })).toBeUndefined();
    // Grown past 1.5 × 3,000 (the slide rows count 4,500): a fresh index is swapped in.
    const extra = await store.slides.create({ ...newSlideRow('patch-index-growth'), metadata: { organ: 'skin' } });
    await store.slides.markReady(extra.id, { patchCount: 1500, embedding: null });
    const rebuilt = await store.patchIndex.maintain({ minRows: 2000, growthFactor: 1.5 });
    expect(rebuilt?.outcome).toBe('built');
    expect(await store.patchIndex.state()).toMatchObject({ status: 'ready', rowsAtBuild: 3000 });
  }, 120_000);

  it('answers a second build with the index in place, and one while another process builds with busy', async () => {
    expect((await store.patchIndex.build()).outcome).toBe('current');
    // Another process building: it holds the build lock.
    const other = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      await other`select pg_advisory_lock(${patchIndexLockKey})`;
      expect((await store.patchIndex.build({ rebuild: true })).outcome).toBe('busy');
      await other`select pg_advisory_unlock(${patchIndexLockKey})`;
    } finally {
      await other.end();
    }
    expect((await store.patchIndex.build({ rebuild: true })).outcome).toBe('built');
    expect((await store.patchIndex.state()).status).toBe('ready');
  }, 120_000);

  it('searches across slides through the index and finds the exact top hits', async () => {
    expect(['built', 'current']).toContain((await store.patchIndex.build()).outcome);
    const plan = await store.search.explainNearestPatches(set.query(0), { k: 10, probes: 3 });
    expect(plan).toContain(patchIndexName);
    for (let query = 0; query < 8; query++) {
      const embedding = set.query(query);
      const approximate = await store.search.nearestPatches(embedding, { k: 10, probes: 3 });
      const exact = await store.search.nearestPatches(embedding, { k: 10, mode: 'exact' });
      expect(approximate.map((hit) => hit.id)).toEqual(exact.map((hit) => hit.id));
      // Scores are the exact cosine similarities, not the 16-bit index's.
      for (const [rank, hit] of approximate.entries()) expect(hit.score).toBeCloseTo(exact[rank]!.score, 6);
    }
  });

  it('keeps filtered cross-slide searches full: the index scan goes on until k rows pass', async () => {
    const lung = await store.search.nearestPatches(set.query(3), { k: 10, probes: 1, filters: { organ: 'lung' } });
    expect(lung).toHaveLength(10);
    expect(new Set(lung.map((hit) => hit.slideId))).toEqual(new Set([slideIds[1]]));
    const exact = await store.search.nearestPatches(set.query(3), {
      k: 10,
      mode: 'exact',
      filters: { organ: 'lung' },
    });
    expect(lung.map((hit) => hit.id)).toEqual(exact.map((hit) => hit.id));
  });

  it('keeps search within one slide exact, off the index', async () => {
    const options = { k: 10, slideId: slideIds[2] };
    expect(await store.search.explainNearestPatches(set.query(5), options)).not.toContain(patchIndexName);
    const hits = await store.search.nearestPatches(set.query(5), options);
    const exact = await store.search.nearestPatches(set.query(5), { ...options, mode: 'exact' });
    expect(hits).toEqual(exact);
    expect(hits.every((hit) => hit.slideId === slideIds[2])).toBe(true);
  });
});

describe('the patch index on the embedded store', () => {
  const pglite = testStoreFactories().find((factory) => factory.name === 'pglite')!;

  it('is not built, says why, and cross-slide search stays exact', async () => {
    const { store, dispose } = await pglite.open();
    try {
      await storeClusteredSlides(store, 11, 100);
      const result = await store.patchIndex.build();
      expect(result.outcome).toBe('exact');
      expect(result.message).toMatch(/embedded store \(PGlite\) keeps exact patch search.*Set DATABASE_URL/);
      expect(await store.patchIndex.maintain({ minRows: 1, growthFactor: 4 })).toBeUndefined();
      expect(await store.patchIndex.state()).toEqual({ status: 'exact' });
      const query = clusteredSet(11).query(2);
      expect(await store.search.explainNearestPatches(query, { k: 5 })).not.toContain(patchIndexName);
      expect(await store.search.nearestPatches(query, { k: 5 })).toEqual(
        await store.search.nearestPatches(query, { k: 5, mode: 'exact' }),
      );
    } finally {
      await dispose();
    }
  }, 120_000);
});
