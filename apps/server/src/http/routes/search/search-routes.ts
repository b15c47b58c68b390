import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseValue } from '../../parse-request.ts';

export const maxSearchResults = 100;

const searchQuery = z.object({
  q: z.string().trim().min(1, 'the query text is empty').max(2_000, 'the query is longer than 2,000 characters'),
  k: z.coerce.number().int().min(1).max(maxSearchResults, `k can be at most ${maxSearchResults}`).default(10),
  kind: z.enum(['all', 'patch', 'pair']).default('all'),
  slide_id: z.string().uuid().optional(),
});

/**
 * `GET /v1/search?q=…&k=…`: text → image over slide patches and library pairs, best first.
 * Scores are cosine similarities between the text and the image embeddings, comparable across kinds.
 */
export function searchRoutes() {
  return new Hono<AppEnvironment>().get('/v1/search', async (context) => {
    const runtime = context.get('runtime');
    const query = parseValue(searchQuery, context.req.query(), 'query parameters');
    const [textEmbedding] = await runtime.textEncoder.embedTexts([query.q]);
    const embedding = Array.from(textEmbedding!);
    const [patches, pairs] = await Promise.all([
      query.kind === 'pair' ? [] : runtime.store.patches.nearest(embedding, { k: query.k, slideId: query.slide_id }),
      query.kind === 'patch' || query.slide_id ? [] : runtime.store.pairs.nearest(embedding, { k: query.k, by: 'image' }),
    ]);
    const results = [
      ...patches.map((patch) => ({
        kind: 'patch' as const,
        id: String(patch.id),
        score: patch.score,
        slide_id: patch.slideId,
        slide_name: patch.slideName,
        x_level0: patch.xLevel0,
        y_level0: patch.yLevel0,
        size_level0_px: patch.sizeLevel0Px,
        tissue_fraction: patch.tissueFraction,
      })),
      ...pairs.map((pair) => ({ kind: 'pair' as const, id: pair.id, score: pair.score, caption: pair.caption, source: pair.source })),
    ]
      .sort((a, b) => b.score - a.score)
      .slice(0, query.k);
    return context.json({ object: 'list', query: query.q, model: runtime.textEncoder.modelId, data: results });
  });
}
