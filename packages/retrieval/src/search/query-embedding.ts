import { PathLensError } from '@pathlens/core';
import type { ImageEncoder, RgbPixels, TextEncoder } from '@pathlens/encoders';
import type { Store } from '@pathlens/store';
import { isUuid } from '../is-uuid.ts';

/** What a search starts from: text, an uploaded image, or something already stored. */
export type SearchQuery =
  | { text: string }
  | { image: RgbPixels }
  /** A library pair: its image embedding (`use: 'image'`) or its caption embedding (`use: 'caption'`). */
  | { pairId: string; use: 'image' | 'caption' }
  | { patchId: number }
  /** A slide: its slide embedding (mean of its patch embeddings). */
  | { slideId: string };

export interface ResolvedQuery {
  /** L2-normalised, in the encoders' shared space. */
  embedding: number[];
  /** 'text' for text and captions, 'image' for images, patches and slides. */
  modality: 'text' | 'image';
  /** The stored row the query came from, to leave out of its own results. */
  exclude: { pairId?: string; patchId?: number; slideId?: string };
}

/**
 * The embedding a search query stands for: text and images are encoded, stored rows are read.
 * An unknown reference is `not_found` / `slide_not_found`; a text-only pair has no image to search with.
 *
 * @example
 * const { embedding } = await queryEmbedding({ store, imageEncoder, textEncoder }, { text: 'signet ring cells' });
 */
export async function queryEmbedding(
  dependencies: { store: Store; imageEncoder: ImageEncoder; textEncoder: TextEncoder },
  query: SearchQuery,
): Promise<ResolvedQuery> {
  const { store } = dependencies;
  if ('text' in query) {
    const [embedding] = await dependencies.textEncoder.embedTexts([query.text]);
    return { embedding: Array.from(embedding!), modality: 'text', exclude: {} };
  }
  if ('image' in query) {
    const [embedding] = await dependencies.imageEncoder.embedImages([query.image]);
    return { embedding: Array.from(embedding!), modality: 'image', exclude: {} };
  }
  if ('pairId' in query) {
    const pair = await store.search.pairEmbeddings(query.pairId);
    if (!pair)
      throw new PathLensError(
        'not_found',
        `No library pair with id ${query.pairId}. Pair ids come from POST /v1/pairs and from search results (kind "pair").`,
        { pairId: query.pairId },
      );
    if (query.use === 'caption')
      return { embedding: pair.captionEmbedding, modality: 'text', exclude: { pairId: query.pairId } };
    if (!pair.imageEmbedding) {
      throw new PathLensError(
        'invalid_request',
        `Library pair ${query.pairId} is a caption without an image, so it cannot be an image query. Search from its caption instead (GET /v1/search/captions?pair_id=${query.pairId}).`,
        { pairId: query.pairId },
      );
    }
    return { embedding: pair.imageEmbedding, modality: 'image', exclude: { pairId: query.pairId } };
  }
  if ('patchId' in query) {
    const patch = await store.search.patchEmbedding(query.patchId);
    if (!patch)
      throw new PathLensError(
        'not_found',
        `No patch with id ${query.patchId}. Patch ids come from search results (kind "patch").`,
        { patchId: query.patchId },
      );
    return { embedding: patch.embedding, modality: 'image', exclude: { patchId: query.patchId } };
  }
  const slide = isUuid(query.slideId) ? await store.slides.findById(query.slideId) : undefined;
  if (!slide)
    throw new PathLensError('slide_not_found', `No slide with id ${query.slideId}. List slides with GET /v1/slides.`, {
      slideId: query.slideId,
    });
  if (!slide.embedding) {
    throw new PathLensError(
      'slide_not_ready',
      `Slide ${slide.name} has no slide embedding yet (status ${slide.status}, ${slide.patchCount} tissue patches); it gets one when ingestion finishes with tissue.`,
      { slideId: query.slideId },
    );
  }
  return { embedding: slide.embedding, modality: 'image', exclude: { slideId: query.slideId } };
}
