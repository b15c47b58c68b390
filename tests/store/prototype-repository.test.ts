import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { slides, type Store } from '@pathlens/store';
import { newSlideRow, testStoreFactories } from '../helpers/test-stores.ts';
import { unitVectorNear } from '../helpers/vectors.ts';

const newSlide = newSlideRow;

/** A slide with `count` patches in a row; returns the slide id and its patch ids by x. */
async function slideWithPatches(
  store: Store,
  sha: string,
  count: number,
): Promise<{ slideId: string; patchIds: number[] }> {
  const slide = await store.slides.create(newSlide(sha));
  await store.patches.insertBatch(
    slide.id,
    Array.from({ length: count }, (_, index) => ({
      xLevel0: index * 224,
      yLevel0: 448,
      sizeLevel0Px: 224,
      tissueFraction: 0.5 + index / 100,
      embedding: unitVectorNear(index % 3, index),
    })),
  );
  const stored = await store.search.nearestPatches(unitVectorNear(0, 1), { k: count, slideId: slide.id });
  const patchIds = stored.sort((left, right) => left.xLevel0 - right.xLevel0).map((patch) => patch.id);
  return { slideId: slide.id, patchIds };
}

describe.each(testStoreFactories())('prototype repository on $name', (factory) => {
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ store, dispose } = await factory.open());
  }, 180_000);
  afterAll(async () => dispose?.());

  it('stores prototypes and returns them with their representatives’ level-0 positions, in order', async () => {
    const { slideId, patchIds } = await slideWithPatches(store, 'proto-a', 6);
    await store.prototypes.replaceForSlide(slideId, [
      {
        clusterIndex: 1,
        weight: 0.25,
        embedding: unitVectorNear(1, 9),
        representativePatchIds: [patchIds[4]!, patchIds[1]!],
      },
      {
        clusterIndex: 0,
        weight: 0.75,
        embedding: unitVectorNear(0, 9),
        representativePatchIds: [patchIds[3]!, patchIds[0]!, patchIds[5]!],
      },
    ]);
    const prototypes = await store.prototypes.forSlide(slideId);
    expect(prototypes.map((prototype) => prototype.clusterIndex)).toEqual([0, 1]);
    expect(prototypes[0]!.weight).toBeCloseTo(0.75);
    expect(prototypes[0]!.embedding).toHaveLength(512);
    expect(prototypes[0]!.embedding[0]).toBeGreaterThan(0.9);
    expect(prototypes[0]!.representativePatches.map((patch) => patch.xLevel0)).toEqual([3 * 224, 0, 5 * 224]);
    expect(prototypes[1]!.representativePatches).toEqual([
      { id: patchIds[4], xLevel0: 4 * 224, yLevel0: 448, sizeLevel0Px: 224, tissueFraction: expect.closeTo(0.54, 5) },
      { id: patchIds[1], xLevel0: 224, yLevel0: 448, sizeLevel0Px: 224, tissueFraction: expect.closeTo(0.51, 5) },
    ]);
  });

  it('replaces the whole set, and leaves other slides alone', async () => {
    const first = await slideWithPatches(store, 'proto-b', 3);
    const second = await slideWithPatches(store, 'proto-c', 3);
    await store.prototypes.replaceForSlide(first.slideId, [
      { clusterIndex: 0, weight: 0.5, embedding: unitVectorNear(0, 1), representativePatchIds: [first.patchIds[0]!] },
      { clusterIndex: 1, weight: 0.5, embedding: unitVectorNear(1, 1), representativePatchIds: [first.patchIds[1]!] },
    ]);
    await store.prototypes.replaceForSlide(second.slideId, [
      { clusterIndex: 0, weight: 1, embedding: unitVectorNear(2, 1), representativePatchIds: [second.patchIds[2]!] },
    ]);
    await store.prototypes.replaceForSlide(first.slideId, [
      { clusterIndex: 0, weight: 1, embedding: unitVectorNear(2, 2), representativePatchIds: [first.patchIds[2]!] },
    ]);

    const firstPrototypes = await store.prototypes.forSlide(first.slideId);
    expect(firstPrototypes).toHaveLength(1);
    expect(firstPrototypes[0]!.representativePatches.map((patch) => patch.id)).toEqual([first.patchIds[2]]);
    expect(await store.prototypes.forSlide(second.slideId)).toHaveLength(1);

    await store.prototypes.replaceForSlide(first.slideId, []);
    expect(await store.prototypes.forSlide(first.slideId)).toEqual([]);
  });

  it('refuses a representative from another slide and keeps the old set (one transaction)', async () => {
    const mine = await slideWithPatches(store, 'proto-d', 2);
    const theirs = await slideWithPatches(store, 'proto-e', 2);
    await store.prototypes.replaceForSlide(mine.slideId, [
      { clusterIndex: 0, weight: 1, embedding: unitVectorNear(0, 3), representativePatchIds: [mine.patchIds[0]!] },
    ]);
    await expect(
      store.prototypes.replaceForSlide(mine.slideId, [
        { clusterIndex: 0, weight: 0.5, embedding: unitVectorNear(0, 4), representativePatchIds: [mine.patchIds[1]!] },
        {
          clusterIndex: 1,
          weight: 0.5,
          embedding: unitVectorNear(1, 4),
          representativePatchIds: [theirs.patchIds[0]!],
        },
      ]),
    ).rejects.toMatchObject({ code: 'invalid_request' });
    // A failure inside the insert (duplicate cluster number) rolls the delete back too.
    await expect(
      store.prototypes.replaceForSlide(mine.slideId, [
        { clusterIndex: 0, weight: 0.5, embedding: unitVectorNear(0, 5), representativePatchIds: [mine.patchIds[1]!] },
        { clusterIndex: 0, weight: 0.5, embedding: unitVectorNear(1, 5), representativePatchIds: [mine.patchIds[1]!] },
      ]),
    ).rejects.toThrow();
    const kept = await store.prototypes.forSlide(mine.slideId);
    expect(kept.map((prototype) => prototype.representativePatches.map((patch) => patch.id))).toEqual([
      [mine.patchIds[0]],
    ]);
  });

  it('hands out the patches to cluster with their embeddings: all of them, or an even sample by id', async () => {
    const { slideId, patchIds } = await slideWithPatches(store, 'proto-g', 10);
    const all = await store.prototypes.patchesToCluster(slideId, 100);
    expect(all.map((patch) => patch.id)).toEqual([...patchIds].sort((left, right) => left - right));
    expect(all[0]!.embedding).toHaveLength(512);
    const sample = await store.prototypes.patchesToCluster(slideId, 4); // every 3rd: 1st, 4th, 7th, 10th
    const sorted = [...patchIds].sort((left, right) => left - right);
    expect(sample.map((patch) => patch.id)).toEqual([sorted[0], sorted[3], sorted[6], sorted[9]]);
    expect(await store.prototypes.patchesToCluster('00000000-0000-4000-8000-000000000000', 10)).toEqual([]);
  });

  it('goes away with its slide', async () => {
    const { slideId, patchIds } = await slideWithPatches(store, 'proto-f', 1);
    await store.prototypes.replaceForSlide(slideId, [
      { clusterIndex: 0, weight: 1, embedding: unitVectorNear(0, 6), representativePatchIds: [patchIds[0]!] },
    ]);
    await store.handle.db.delete(slides).where(eq(slides.id, slideId));
    expect(await store.prototypes.forSlide(slideId)).toEqual([]);
  });
});
