import type { SearchHit, SearchPage } from '@pathlens/retrieval';

/** One result as the API shows it (snake_case; ids as strings). */
export function searchHitView(hit: SearchHit & { rank: number }) {
  switch (hit.kind) {
    case 'patch':
      return {
        kind: 'patch' as const,
        rank: hit.rank,
        id: String(hit.id),
        score: hit.score,
        slide_id: hit.slideId,
        slide_name: hit.slideName,
        x_level0: hit.xLevel0,
        y_level0: hit.yLevel0,
        size_level0_px: hit.sizeLevel0Px,
        tissue_fraction: hit.tissueFraction,
      };
    case 'pair':
      return {
        kind: 'pair' as const,
        rank: hit.rank,
        id: hit.id,
        score: hit.score,
        matched: hit.matched,
        caption: hit.caption,
        source: hit.source,
        metadata: hit.metadata,
        has_image: hit.imageRef !== null,
      };
    case 'slide':
      return {
        kind: 'slide' as const,
        rank: hit.rank,
        id: hit.id,
        score: hit.score,
        name: hit.name,
        metadata: hit.metadata,
        patch_count: hit.patchCount,
        width_px: hit.widthPx,
        height_px: hit.heightPx,
      };
  }
}

/** The list envelope every search answers with. */
export function searchPageView(
  page: SearchPage,
  details: { direction: string; query: Record<string, unknown>; model: string; mode: string },
) {
  return {
    object: 'list' as const,
    direction: details.direction,
    query: details.query,
    model: details.model,
    search_mode: details.mode,
    k: page.k,
    offset: page.offset,
    next_offset: page.nextOffset,
    data: page.hits.map(searchHitView),
  };
}
