import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@pathlens/store';
import { newSlideRow, testStoreFactories } from '../helpers/test-stores.ts';
import { unitVectorNear } from '../helpers/vectors.ts';

const newSlide = newSlideRow;

describe.each(testStoreFactories())('store on $name', (factory) => {
  let store: Store;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ store, dispose } = await factory.open());
  }, 180_000);
  afterAll(async () => dispose?.());

  it('runs the migrations: pgvector is there and the tables are empty', async () => {
    expect(await store.slides.list()).toEqual([]);
  });

  it('keeps one slide per content hash', async () => {
    await store.slides.create(newSlide('aaa'));
    await expect(store.slides.create(newSlide('aaa'))).rejects.toThrow();
    expect((await store.slides.findByContentSha256('aaa'))?.status).toBe('queued');
  });

  it('stores patch batches idempotently and finds the nearest patches within a slide', async () => {
    const slide = await store.slides.create(newSlide('bbb'));
    const batch = [0, 1, 2, 3].map((index) => ({
      xLevel0: index * 224,
      yLevel0: 0,
      sizeLevel0Px: 224,
      tissueFraction: 0.9,
      embedding: unitVectorNear(index, index + 1),
    }));
    await store.patches.insertBatch(slide.id, batch);
    await store.patches.insertBatch(slide.id, batch.slice(0, 2)); // a resumed job re-sends a batch
    expect(await store.patches.countForSlide(slide.id)).toBe(4);
    expect(await store.patches.storedPositions(slide.id)).toEqual(new Set(['0,0', '224,0', '448,0', '672,0']));

    const nearest = await store.search.nearestPatches(unitVectorNear(2, 99), { k: 2, slideId: slide.id });
    expect(nearest).toHaveLength(2);
    expect(nearest[0]!.xLevel0).toBe(448);
    expect(nearest[0]!.score).toBeGreaterThan(0.9);
    expect(nearest[1]!.score).toBeLessThan(0.2);

    const mean = await store.patches.meanEmbedding(slide.id);
    expect(mean).toHaveLength(512);
    expect(mean![0]).toBeCloseTo(0.25, 1);
  });

  it('finds ready slides only, and marks progress, readiness and failure', async () => {
    const slide = await store.slides.create(newSlide('ccc'));
    await store.slides.markRunning(slide.id, 10);
    await store.slides.updateProgress(slide.id, { tilesDone: 5, patchCount: 3 });
    expect(await store.slides.findById(slide.id)).toMatchObject({
      status: 'running',
      tilesDone: 5,
      tilesTotal: 10,
      patchCount: 3,
    });
    expect((await store.slides.listUnfinished()).map((row) => row.id)).toContain(slide.id);
    await store.slides.markReady(slide.id, { patchCount: 3, embedding: unitVectorNear(7, 1) });
    expect(await store.slides.findById(slide.id)).toMatchObject({ status: 'ready', tilesDone: 10 });
    const [nearest] = await store.slides.nearest(unitVectorNear(7, 2), 1);
    expect(nearest?.id).toBe(slide.id);

    const failing = await store.slides.create(newSlide('ddd'));
    await store.slides.markFailed(failing.id, 'corrupt tile at 0,0');
    expect(await store.slides.findById(failing.id)).toMatchObject({
      status: 'failed',
      failureReason: 'corrupt tile at 0,0',
    });
  });

  it('stores an image once by hash and searches by image or caption embedding', async () => {
    const first = await store.pairs.insert({
      imageRef: 'a.png',
      contentSha256: 'h1',
      caption: 'purple nuclei',
      imageEmbedding: unitVectorNear(1, 1),
      captionEmbedding: unitVectorNear(11, 1),
    });
    const again = await store.pairs.insert({
      imageRef: 'a-copy.png',
      contentSha256: 'h1',
      caption: 'other',
      imageEmbedding: unitVectorNear(1, 1),
      captionEmbedding: unitVectorNear(11, 1),
    });
    await store.pairs.insert({
      imageRef: 'b.png',
      contentSha256: 'h2',
      caption: 'pink stroma',
      source: 'test',
      imageEmbedding: unitVectorNear(2, 1),
      captionEmbedding: unitVectorNear(12, 1),
    });
    expect(first.created).toBe(true);
    expect(again).toEqual({ pair: first.pair, created: false });
    const [byImage] = await store.pairs.nearest(unitVectorNear(2, 5), { k: 1, by: 'image' });
    expect(byImage?.caption).toBe('pink stroma');
    const [byCaption] = await store.pairs.nearest(unitVectorNear(11, 5), { k: 1, by: 'caption' });
    expect(byCaption?.caption).toBe('purple nuclei');
  });

  it('appends conversation messages in order', async () => {
    const conversation = await store.conversations.create({ slideId: null, title: 'test' });
    await store.conversations.append(conversation.id, [
      { role: 'user', content: 'q1' },
      { role: 'assistant', content: 'a1', evidence: [{ n: 1 }] },
    ]);
    await store.conversations.append(conversation.id, [{ role: 'user', content: 'q2' }]);
    const messages = await store.conversations.messages(conversation.id);
    expect(messages.map((message) => [message.position, message.content])).toEqual([
      [0, 'q1'],
      [1, 'a1'],
      [2, 'q2'],
    ]);
    expect(messages[1]!.evidence).toEqual([{ n: 1 }]);
  });
});
