import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@pathlens/store';
import { testStoreFactories } from '../helpers/test-stores.ts';
import { normalise, seededRandom, unitVectorNear } from '../helpers/vectors.ts';

/** Cosine similarity of two unit vectors. */
const dot = (left: number[], right: number[]) => left.reduce((sum, value, index) => sum + value * right[index]!, 0);

describe.each(testStoreFactories())('search repository on $name', (factory) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const query = unitVectorNear(0, 1);
  /** 40 pairs spread around the query direction; every fourth is text-only; organs alternate. */
  const pairs = Array.from({ length: 40 }, (_, index) => {
    const random = seededRandom(100 + index);
    const image = normalise(
      query.map(
        (value, dimension) => value + (random() - 0.5) * (0.2 + index * 0.05) + (dimension === 1 ? index * 0.02 : 0),
      ),
    );
    return {
      imageRef: index % 4 === 3 ? null : `/images/${index}.png`,
      contentSha256: `sha-${index}`,
      caption: `caption ${index}`,
      source: index % 2 ? 'atlas' : 'teaching',
      metadata: { organ: index % 3 === 0 ? 'Colon' : 'breast', stain: 'H&E' },
      imageEmbedding: index % 4 === 3 ? null : image,
      captionEmbedding: normalise(image.map((value, dimension) => value + (dimension === 2 ? 0.1 : 0))),
    };
  });
  const slideIds: string[] = [];

  beforeAll(async () => {
    ({ store, dispose } = await factory.open());
    for (const pair of pairs) await store.pairs.insert(pair);
    for (const [index, organ] of ['colon', 'lung', 'colon'].entries()) {
      const slide = await store.slides.create({
        name: `slide-${index}.png`,
        filePath: `/slides/${index}.png`,
        contentSha256: `slide-${index}`,
        format: 'png',
        widthPx: 896,
        heightPx: 448,
        patchSizeLevel0Px: 224,
        encoderId: 'test',
        metadata: { organ },
      });
      // Patch i of slide s points at axis s, a little more towards the query the further right it is.
      const patchEmbeddings = Array.from({ length: 8 }, (_, cell) =>
        normalise(
          unitVectorNear(10 + index, cell).map((value, dimension) => value + (dimension === 0 ? cell * 0.1 : 0)),
        ),
      );
      await store.patches.insertBatch(
        slide.id,
        patchEmbeddings.map((embedding, cell) => ({
          xLevel0: (cell % 4) * 224,
          yLevel0: Math.floor(cell / 4) * 224,
          sizeLevel0Px: 224,
          tissueFraction: 1,
          embedding,
        })),
      );
      await store.slides.markReady(slide.id, {
        patchCount: 8,
        embedding: normalise(
          unitVectorNear(10 + index, 99).map((value, dimension) => value + (dimension === 10 ? 1 : 0)),
        ),
      });
      slideIds.push(slide.id);
    }
  });
  afterAll(async () => dispose?.());

  const exactOrder = (by: 'image' | 'caption', keep: (pair: (typeof pairs)[number]) => boolean = () => true) =>
    pairs
      .filter((pair) => (by === 'image' ? pair.imageEmbedding : true) && keep(pair))
      .map((pair) => ({
        caption: pair.caption,
        score: dot(query, (by === 'image' ? pair.imageEmbedding : pair.captionEmbedding)!),
      }))
      .sort((left, right) => right.score - left.score);

  it('finds pairs by image in exact order with cosine scores, never a text-only entry', async () => {
    for (const mode of ['exact', 'approximate', 'rerank'] as const) {
      const hits = await store.search.nearestPairs(query, { by: 'image', k: 10, mode });
      expect(
        hits.map((hit) => hit.caption),
        mode,
      ).toEqual(
        exactOrder('image')
          .slice(0, 10)
          .map((pair) => pair.caption),
      );
      expect(hits[0]!.score).toBeCloseTo(exactOrder('image')[0]!.score, 4);
      expect(hits.every((hit) => hit.imageRef !== null)).toBe(true);
    }
  });

  it('finds text-only entries by caption (image → text works for caption-only imports)', async () => {
    const hits = await store.search.nearestPairs(query, { by: 'caption', k: 40, mode: 'exact' });
    expect(hits).toHaveLength(40);
    expect(hits.some((hit) => hit.imageRef === null)).toBe(true);
    expect(hits.map((hit) => hit.caption)).toEqual(exactOrder('caption').map((pair) => pair.caption));
  });

  it('pages without gaps or repeats, in every mode', async () => {
    for (const mode of ['exact', 'approximate', 'rerank'] as const) {
      const pages = await Promise.all(
        [0, 7, 14, 21].map((offset) => store.search.nearestPairs(query, { by: 'image', k: 7, offset, mode })),
      );
      expect(
        pages.flat().map((hit) => hit.caption),
        mode,
      ).toEqual(
        exactOrder('image')
          .slice(0, 28)
          .map((pair) => pair.caption),
      );
      expect(pages[3]).toHaveLength(7);
      expect(await store.search.nearestPairs(query, { by: 'image', k: 7, offset: 28, mode })).toHaveLength(2);
    }
  });

  it('filters on source and metadata, case-insensitively, and leaves out the query pair', async () => {
    const colon = await store.search.nearestPairs(query, {
      by: 'caption',
      k: 40,
      filters: { organ: 'COLON', source: 'atlas' },
    });
    const expected = exactOrder('caption', (pair) => pair.metadata.organ === 'Colon' && pair.source === 'atlas');
    expect(colon.map((hit) => hit.caption)).toEqual(expected.map((pair) => pair.caption));
    expect(expected.length).toBeGreaterThan(3);
    const stained = await store.search.nearestPairs(query, {
      by: 'image',
      k: 40,
      filters: { stain: 'h&e', metadata: { organ: 'breast' } },
    });
    expect(stained.every((hit) => hit.metadata.organ === 'breast')).toBe(true);
    expect(stained).toHaveLength(exactOrder('image', (pair) => pair.metadata.organ === 'breast').length);
    const first = colon[0]!;
    const without = await store.search.nearestPairs(query, {
      by: 'caption',
      k: 40,
      filters: { organ: 'colon', source: 'atlas' },
      excludePairId: first.id,
    });
    expect(without.map((hit) => hit.id)).not.toContain(first.id);
    expect(without).toHaveLength(colon.length - 1);
  });

  it('searches patches exactly, within a slide or across ready slides with slide-metadata filters', async () => {
    const inSlide = await store.search.nearestPatches(query, { k: 3, slideId: slideIds[1] });
    expect(inSlide.map((hit) => hit.slideId)).toEqual([slideIds[1], slideIds[1], slideIds[1]]);
    // the further right and lower the cell, the more it points at the query
    expect(inSlide.map((hit) => [hit.xLevel0, hit.yLevel0])).toEqual([
      [672, 224],
      [448, 224],
      [224, 224],
    ]);
    const lung = await store.search.nearestPatches(query, { k: 30, filters: { organ: 'Lung' } });
    expect(lung).toHaveLength(8);
    expect(new Set(lung.map((hit) => hit.slideId))).toEqual(new Set([slideIds[1]]));
    const second = await store.search.nearestPatches(query, { k: 5, offset: 5 });
    const all = await store.search.nearestPatches(query, { k: 10 });
    expect(second.map((hit) => hit.id)).toEqual(all.slice(5).map((hit) => hit.id));
  });

  it('finds similar slides, leaving the query slide out, with filters', async () => {
    const slide = await store.slides.findById(slideIds[0]!);
    const hits = await store.search.nearestSlides(slide!.embedding!, {
      k: 5,
      excludeSlideId: slideIds[0],
      mode: 'exact',
    });
    expect(hits.map((hit) => hit.id).sort()).toEqual([slideIds[1], slideIds[2]].sort());
    const colon = await store.search.nearestSlides(slide!.embedding!, { k: 5, filters: { organ: 'colon' } });
    expect(colon.map((hit) => hit.id).sort()).toEqual([slideIds[0], slideIds[2]].sort());
    expect(colon.find((hit) => hit.id === slideIds[0])!.score).toBeCloseTo(1, 4);
  });

  it('scores every patch of a slide against several embeddings in grid order', async () => {
    const rows = await store.search.slidePatchSimilarities(slideIds[2]!, [query, unitVectorNear(12, 0)]);
    expect(rows).toHaveLength(8);
    expect(rows.map((row) => [row.xLevel0, row.yLevel0])).toEqual(
      [0, 1].flatMap((row) => [0, 1, 2, 3].map((column) => [column * 224, row * 224])),
    );
    expect(rows.every((row) => row.similarities.length === 2 && row.similarities[1]! > 0.5)).toBe(true);
    const stored = await store.search.patchEmbedding(rows[0]!.id);
    expect(rows[0]!.similarities[0]).toBeCloseTo(dot(query, stored!.embedding), 5);
    expect(await store.search.patchEmbedding(999_999)).toBeUndefined();
    expect(await store.search.pairEmbeddings('not-a-uuid')).toBeUndefined();
  });
});
