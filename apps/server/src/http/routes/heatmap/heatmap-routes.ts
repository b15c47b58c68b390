import { Hono } from 'hono';
import { z } from 'zod';
import { heatmapColourMaps, renderHeatmapPng, slideHeatmap, thumbnailSize } from '@pathlens/retrieval';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseValue } from '../../parse-request.ts';
import { queryText } from '../search/search-parameters.ts';
import { encoderDemoFields } from '../../demo-warning.ts';

const heatmapRequest = z
  .object({
    q: queryText,
    format: z.enum(['json', 'png']).default('json'),
    /** Long side of the PNG overlay, as for the slide's thumbnail. */
    max_size_px: z.coerce.number().int().min(16).max(8192, 'max_size_px can be at most 8192').default(1024),
    colour_map: z.enum(heatmapColourMaps).default('turbo'),
    score_min: z.coerce.number().min(-1).max(1).optional(),
    score_max: z.coerce.number().min(-1).max(1).optional(),
    opacity: z.coerce.number().min(0).max(1).default(0.75),
  })
  .refine(
    (request) =>
      request.score_min === undefined || request.score_max === undefined || request.score_min < request.score_max,
    { message: 'score_min must be below score_max', path: ['score_min'] },
  );

/**
 * `GET /v1/slides/:id/heatmap?q=…`: how similar every stored patch of the slide is to a text
 * query. `format=json` (default): level-0 patch positions and scores; `format=png`: an RGBA
 * overlay the size of the slide's `max_size_px` thumbnail (transparent where no patch was stored).
 */
export function heatmapRoutes() {
  return new Hono<AppEnvironment>().get('/v1/slides/:id/heatmap', async (context) => {
    const runtime = context.get('runtime');
    const slideId = context.req.param('id');
    const request = parseValue(heatmapRequest, context.req.query(), 'query parameters');
    const heatmap = await slideHeatmap(runtime, slideId, request.q);
    const rendering = {
      maxSizePx: request.max_size_px,
      colourMap: request.colour_map,
      scoreMin: request.score_min,
      scoreMax: request.score_max,
      opacity: request.opacity,
    };
    if (request.format === 'png') {
      const { png, widthPx, heightPx } = await renderHeatmapPng(heatmap, rendering);
      return context.body(new Uint8Array(png), 200, {
        'content-type': 'image/png',
        'x-heatmap-width-px': String(widthPx),
        'x-heatmap-height-px': String(heightPx),
        'x-heatmap-score-min': String(request.score_min ?? heatmap.minScore),
        'x-heatmap-score-max': String(request.score_max ?? heatmap.maxScore),
        ...(encoderDemoFields(runtime).demo ? { 'x-pathlens-warning': 'demo encoder: scores are not meaningful' } : {}),
      });
    }
    const thumbnail = thumbnailSize(heatmap, request.max_size_px);
    const pngParameters = new URLSearchParams({
      ...Object.fromEntries(Object.entries(context.req.query())),
      format: 'png',
    });
    return context.json({
      object: 'slide_heatmap',
      slide_id: heatmap.slideId,
      slide_name: heatmap.slideName,
      status: heatmap.status,
      query: heatmap.query,
      model: heatmap.modelId,
      width_px: heatmap.widthPx,
      height_px: heatmap.heightPx,
      patch_size_level0_px: heatmap.patchSizeLevel0Px,
      score_min: heatmap.minScore,
      score_max: heatmap.maxScore,
      thumbnail: { max_size_px: request.max_size_px, width_px: thumbnail.widthPx, height_px: thumbnail.heightPx },
      png_url: `/v1/slides/${heatmap.slideId}/heatmap?${pngParameters}`,
      patches: heatmap.patches.map((patch) => ({
        id: String(patch.id),
        x_level0: patch.xLevel0,
        y_level0: patch.yLevel0,
        size_level0_px: patch.sizeLevel0Px,
        score: patch.score,
      })),
      ...encoderDemoFields(runtime),
    });
  });
}
