import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NewImageTextPair, Store } from '@pathlens/store';
import { testStoreFactories } from '../helpers/test-stores.ts';
import { unitVectorNear } from '../helpers/vectors.ts';

const pair = (index: number, options: { textOnly?: boolean } = {}): NewImageTextPair => ({
  imageRef: options.textOnly ? null : `/data/pairs/${index}.png`,
  contentSha256: `sha-${index}`,
  caption: `caption ${index}`,
  source: 'bulk',
  metadata: { index: String(index) },
  imageEmbedding: options.textOnly ? null : unitVectorNear(index, index),
  captionEmbedding: unitVectorNear(index, 100 + index),
});

describe.each(testStoreFactories())('pair repository bulk import on $name', (factory) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await factory.open());
  }, 180_000);
  afterAll(async () => dispose?.());

  it('inserts a batch in one statement, skipping content already stored or repeated in the batch', async () => {
    expect(await store.pairs.insertMany([pair(1), pair(2), pair(3, { textOnly: true })])).toEqual(
      new Set(['sha-1', 'sha-2', 'sha-3']),
    );
    const inserted = await store.pairs.insertMany([
      pair(2),
      pair(4),
      { ...pair(4), caption: 'same content, other caption' },
      pair(5, { textOnly: true }),
    ]);
    expect(inserted).toEqual(new Set(['sha-4', 'sha-5']));
    expect(await store.pairs.count()).toEqual({ total: 5, textOnly: 2 });
    expect(await store.pairs.existingContentHashes(['sha-1', 'sha-9', 'sha-5'])).toEqual(new Set(['sha-1', 'sha-5']));
    expect(await store.pairs.existingContentHashes([])).toEqual(new Set());
    expect(await store.pairs.insertMany([])).toEqual(new Set());
  });

  it('keeps text-only entries out of image search and in caption search', async () => {
    const byImage = await store.pairs.nearest(unitVectorNear(3, 7), { k: 10, by: 'image' });
    expect(byImage.map((hit) => hit.contentSha256).sort()).toEqual(['sha-1', 'sha-2', 'sha-4']);
    const [byCaption] = await store.pairs.nearest(unitVectorNear(3, 8), { k: 1, by: 'caption' });
    expect(byCaption).toMatchObject({ contentSha256: 'sha-3', imageRef: null, caption: 'caption 3' });
  });
});
