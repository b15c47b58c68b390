import type { MetadataFilters, PairHit, PatchHit, SlideHit, Store, VectorSearchMode } from '@pathlens/store';

/** What a search looks among: slide patches, library images, library captions, or whole slides. */
export type SearchTarget = 'patch' | 'pair-image' | 'pair-caption' | 'slide';

export type SearchHit =
  | ({ kind: 'patch' } & PatchHit)
  | ({ kind: 'pair'; matched: 'image' | 'caption' } & PairHit)
  | ({ kind: 'slide' } & SlideHit);

/** Largest `k` a search returns in one page. */
export const maxSearchResults = 100;
/** Deepest result reachable by paging: offset + k + 1 stays within pgvector's ef_search ceiling (1,000). */
export const maxSearchOffset = 899;

export interface SearchRequest {
  targets: SearchTarget[];
  /** Results per page, 1…100. */
  k: number;
  /** Results to skip, 0…899. */
  offset?: number | undefined;
  filters?: MetadataFilters | undefined;
  /** Patches of this slide only. */
  slideId?: string | undefined;
  /** See `VectorSearchMode`; patches are always scored exactly. */
  mode?: VectorSearchMode | undefined;
  /** The query's own row, left out of its results (image → image by reference, slide → slide). */
  exclude?: { pairId?: string | undefined; patchId?: number | undefined; slideId?: string | undefined } | undefined;
}

export interface SearchSettings {
  /** HNSW_EF_SEARCH. */
  efSearch: number;
  /** RERANK_CANDIDATE_FACTOR. */
  rerankFactor: number;
  /** PATCH_INDEX_PROBES: IVFFlat lists searched by cross-slide patch search on the patch index. */
  probes?: number | undefined;
}

export interface SearchPage {
  /** Best first; `rank` counts from 1 across pages. */
  hits: (SearchHit & { rank: number })[];
  k: number;
  offset: number;
  /** Offset of the next page, or null when this is the last one. */
  nextOffset: number | null;
}

/**
 * Nearest neighbours of one L2-normalised embedding among several targets, merged by cosine
 * similarity (comparable across targets, as they share the encoder's space) and paged.
 *
 * @example
 * const page = await searchNearest(store, embedding, { targets: ['patch', 'pair-image'], k: 10, filters: { organ:
 * 'colon' } }, { efSearch: 100, rerankFactor: 4 });
 */
export async function searchNearest(
  store: Store,
  embedding: ArrayLike<number>,
  request: SearchRequest,
  settings: SearchSettings,
): Promise<SearchPage> {
  const offset = request.offset ?? 0;
  // Each target's first offset + k + 1 rows contain the merged list's first offset + k + 1.
  const page = {
    k: offset + request.k + 1,
    offset: 0,
    mode: request.mode,
    efSearch: settings.efSearch,
    rerankFactor: settings.rerankFactor,
    probes: settings.probes,
  };
  const exclude = request.exclude ?? {};
  const lists = await Promise.all(
    request.targets.map(async (target): Promise<SearchHit[]> => {
      switch (target) {
        case 'patch':
          return (
            await store.search.nearestPatches(embedding, {
              ...page,
              slideId: request.slideId,
              filters: request.filters,
              excludePatchId: exclude.patchId,
            })
          ).map((hit) => ({ kind: 'patch' as const, ...hit }));
        case 'pair-image':
        case 'pair-caption': {
          const by = target === 'pair-image' ? 'image' : 'caption';
          return (
            await store.search.nearestPairs(embedding, {
              ...page,
              by,
              filters: request.filters,
              excludePairId: exclude.pairId,
            })
          ).map((hit) => ({ kind: 'pair' as const, matched: by, ...hit }));
        }
        case 'slide':
          return (
            await store.search.nearestSlides(embedding, {
              ...page,
              filters: request.filters,
              excludeSlideId: exclude.slideId,
            })
          ).map((hit) => ({ kind: 'slide' as const, ...hit }));
      }
    }),
  );
  const merged = lists.flat().sort((left, right) => right.score - left.score);
  const hits = merged.slice(offset, offset + request.k).map((hit, index) => ({ ...hit, rank: offset + index + 1 }));
  return { hits, k: request.k, offset, nextOffset: merged.length > offset + request.k ? offset + request.k : null };
}
