import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { PathLensError } from '@pathlens/core';
import { queryEmbedding, searchNearest, type SearchQuery, type SearchTarget } from '@pathlens/retrieval';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseValue, readJsonObject } from '../../parse-request.ts';
import { readImageRequest } from './image-request.ts';
import { searchPageView } from './search-hit-view.ts';
import {
  queryParameters,
  queryText,
  searchFilters,
  searchMode,
  searchOptionFields,
  type SearchOptions,
} from './search-parameters.ts';
import { encoderDemoFields } from '../../demo-warning.ts';

const kind = z.enum(['all', 'patch', 'pair']).default('all');
const slideId = z.string().uuid('slide_id must be a slide id (a UUID from GET /v1/slides)');
const pairId = z.string().uuid('pair_id must be a library pair id (a UUID)');
const patchId = z.coerce
  .number()
  .int()
  .positive('patch_id must be a patch id (a positive integer from a search result)');

const textToImageRequest = z.object({ q: queryText, kind, slide_id: slideId.optional(), ...searchOptionFields });
const captionsRequest = z.object({ q: queryText.optional(), pair_id: pairId.optional(), ...searchOptionFields });
const imageRequest = z.object({
  pair_id: pairId.optional(),
  patch_id: patchId.optional(),
  target: z.enum(['captions', 'images']).default('captions'),
  kind,
  slide_id: slideId.optional(),
  ...searchOptionFields,
});
const similarSlidesRequest = z.object({ slide_id: slideId, ...searchOptionFields });

/**
 * Search in every direction, all with `k`, `offset` paging, metadata filters (`source`,
 * `organ`, `stain`, `metadata.<key>`) and `exact=true` / `rerank=true`:
 * - `GET|POST /v1/search?q=`: text → image (slide patches and library images; `kind`, `slide_id`);
 * - `GET|POST /v1/search/captions?q=` or `?pair_id=`: text → caption, caption → caption;
 * - `POST /v1/search/image` (multipart `image`, or JSON `image` data URL / `pair_id` / `patch_id`):
 *   image → text (`target=captions`, the default) or image → image (`target=images`);
 * - `GET /v1/search/similar-slides?slide_id=`: slide → slide.
 * Scores are cosine similarities in the encoder's shared space, comparable across kinds.
 */
export function searchRoutes() {
  return new Hono<AppEnvironment>()
    .get('/v1/search', (context) => textToImage(context, queryParameters(context.req.query())))
    .post('/v1/search', async (context) => textToImage(context, await jsonFields(context)))
    .get('/v1/search/captions', (context) => captions(context, queryParameters(context.req.query())))
    .post('/v1/search/captions', async (context) => captions(context, await jsonFields(context)))
    .post('/v1/search/image', async (context) => {
      const { fields, image } = await readImageRequest(context);
      const request = parseValue(imageRequest, fields, 'request');
      const references = [image, request.pair_id, request.patch_id].filter((value) => value !== undefined).length;
      if (references !== 1)
        throw new PathLensError(
          'invalid_request',
          'Give exactly one query image: an uploaded "image", a "pair_id" or a "patch_id".',
          { param: 'image' },
        );
      const query: SearchQuery = image
        ? { image }
        : request.pair_id
          ? { pairId: request.pair_id, use: 'image' }
          : { patchId: request.patch_id! };
      const echo = image
        ? { image: 'uploaded' }
        : request.pair_id
          ? { pair_id: request.pair_id }
          : { patch_id: String(request.patch_id) };
      if (request.target === 'captions')
        return search(context, query, ['pair-caption'], request, { direction: 'image-to-text', echo });
      return search(context, query, await imageTargets(context, request), request, {
        direction: 'image-to-image',
        echo,
      });
    })
    .get('/v1/search/similar-slides', async (context) => {
      const request = parseValue(similarSlidesRequest, queryParameters(context.req.query()), 'query parameters');
      return search(context, { slideId: request.slide_id }, ['slide'], request, {
        direction: 'slide-to-slide',
        echo: { slide_id: request.slide_id },
      });
    });
}

async function textToImage(context: Context<AppEnvironment>, fields: Record<string, unknown>) {
  const request = parseValue(textToImageRequest, fields, context.req.method === 'GET' ? 'query parameters' : 'body');
  return search(context, { text: request.q }, await imageTargets(context, request), request, {
    direction: 'text-to-image',
    echo: { text: request.q },
  });
}

async function captions(context: Context<AppEnvironment>, fields: Record<string, unknown>) {
  const request = parseValue(captionsRequest, fields, context.req.method === 'GET' ? 'query parameters' : 'body');
  if ((request.q === undefined) === (request.pair_id === undefined)) {
    throw new PathLensError(
      'invalid_request',
      "Give either q (text to match against captions) or pair_id (find captions like that pair's), not both or neither.",
      { param: 'q' },
    );
  }
  if (request.q !== undefined)
    return search(context, { text: request.q }, ['pair-caption'], request, {
      direction: 'text-to-caption',
      echo: { text: request.q },
    });
  return search(context, { pairId: request.pair_id!, use: 'caption' }, ['pair-caption'], request, {
    direction: 'caption-to-caption',
    echo: { pair_id: request.pair_id },
  });
}

/** Patches and/or library images, per `kind`; `slide_id` narrows to one slide's patches (which must exist). */
async function imageTargets(
  context: Context<AppEnvironment>,
  request: { kind: 'all' | 'patch' | 'pair'; slide_id?: string | undefined },
): Promise<SearchTarget[]> {
  if (request.slide_id) {
    if (request.kind === 'pair')
      throw new PathLensError(
        'invalid_request',
        "slide_id narrows the search to one slide's patches; it cannot be combined with kind=pair.",
        { param: 'slide_id' },
      );
    if (!(await context.get('runtime').store.slides.findById(request.slide_id))) {
      throw new PathLensError(
        'slide_not_found',
        `No slide with id ${request.slide_id}. List slides with GET /v1/slides.`,
        { slideId: request.slide_id },
      );
    }
    return ['patch'];
  }
  return request.kind === 'patch' ? ['patch'] : request.kind === 'pair' ? ['pair-image'] : ['patch', 'pair-image'];
}

async function search(
  context: Context<AppEnvironment>,
  query: SearchQuery,
  targets: SearchTarget[],
  request: SearchOptions & { slide_id?: string | undefined },
  details: { direction: string; echo: Record<string, unknown> },
) {
  const runtime = context.get('runtime');
  const mode = searchMode(request);
  const filters = searchFilters(request);
  const resolved = await queryEmbedding(runtime, query);
  const page = await searchNearest(
    runtime.store,
    resolved.embedding,
    // A stored query row is left out of same-kind results only: a pair's own caption is a fine answer to "captions for
    // this pair's image".
    {
      targets,
      k: request.k,
      offset: request.offset,
      filters,
      slideId: request.slide_id,
      mode,
      exclude: details.direction === 'image-to-text' ? {} : resolved.exclude,
    },
    {
      efSearch: runtime.config.hnswEfSearch,
      rerankFactor: runtime.config.rerankCandidateFactor,
      probes: runtime.config.patchIndexProbes,
    },
  );
  const echo = {
    ...details.echo,
    ...(filters ? { filters } : {}),
    ...(request.slide_id ? { slide_id: request.slide_id } : {}),
  };
  return context.json({
    ...searchPageView(page, { direction: details.direction, query: echo, model: runtime.textEncoder.modelId, mode }),
    ...encoderDemoFields(runtime),
  });
}

async function jsonFields(context: Context<AppEnvironment>): Promise<Record<string, unknown>> {
  return { ...queryParameters(context.req.query()), ...(await readJsonObject(context)) };
}
