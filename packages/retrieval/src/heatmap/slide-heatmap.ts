import { PathLensError } from '@pathlens/core';
import type { TextEncoder } from '@pathlens/encoders';
import type { SlideStatus, Store } from '@pathlens/store';
import { isUuid } from '../is-uuid.ts';

export interface HeatmapPatch {
  id: number;
  /** Top-left corner and side, level-0 pixels. */
  xLevel0: number;
  yLevel0: number;
  sizeLevel0Px: number;
  /** Cosine similarity to the query, -1…1. */
  score: number;
}

export interface SlideHeatmap {
  slideId: string;
  slideName: string;
  status: SlideStatus;
  /** Level-0 size of the slide. */
  widthPx: number;
  heightPx: number;
  /** Side of the slide's patches, level-0 pixels. */
  patchSizeLevel0Px: number;
  query: string;
  modelId: string;
  /** Every stored (tissue) patch, in grid order; background tiles have none. */
  patches: HeatmapPatch[];
  /** Lowest and highest patch score (both 0 when there are no patches). */
  minScore: number;
  maxScore: number;
}

/**
 * How similar every stored patch of a slide is to a text query: a heatmap in level-0
 * coordinates. A slide still ingesting gives the patches stored so far (see `status`).
 *
 * @example
 * const heatmap = await slideHeatmap({ store, textEncoder }, slideId, 'tumour cells with large nuclei');
 * const png = await renderHeatmapPng(heatmap, { maxSizePx: 1024 });
 */
export async function slideHeatmap(
  dependencies: { store: Store; textEncoder: TextEncoder },
  slideId: string,
  query: string,
): Promise<SlideHeatmap> {
  const slide = isUuid(slideId) ? await dependencies.store.slides.findById(slideId) : undefined;
  if (!slide)
    throw new PathLensError('slide_not_found', `No slide with id ${slideId}. List slides with GET /v1/slides.`, {
      slideId,
    });
  const [embedding] = await dependencies.textEncoder.embedTexts([query]);
  const rows = await dependencies.store.search.slidePatchSimilarities(slideId, [embedding!]);
  const patches = rows.map((row) => ({
    id: row.id,
    xLevel0: row.xLevel0,
    yLevel0: row.yLevel0,
    sizeLevel0Px: row.sizeLevel0Px,
    score: row.similarities[0]!,
  }));
  const scores = patches.map((patch) => patch.score);
  return {
    slideId,
    slideName: slide.name,
    status: slide.status,
    widthPx: slide.widthPx,
    heightPx: slide.heightPx,
    patchSizeLevel0Px: slide.patchSizeLevel0Px,
    query,
    modelId: dependencies.textEncoder.modelId,
    patches,
    minScore: scores.length ? Math.min(...scores) : 0,
    maxScore: scores.length ? Math.max(...scores) : 0,
  };
}
