import { Hono } from 'hono';
import { z } from 'zod';
import { reingestSlide } from '@pathlens/ingest';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseValue, readJsonBody } from '../../parse-request.ts';
import { findSlide } from './find-slide.ts';
import { requestMpp } from './slide-registration-request.ts';
import { slideView } from './slide-view.ts';

const reingestRequest = z
  .object({
    /** µm per level-0 pixel, replacing the file's (or a wrong one given before). */
    mpp: requestMpp.optional(),
    /** µm per pixel to tile at (default: as before, else TARGET_MPP). */
    target_mpp: requestMpp.optional(),
    tile_at_level0: z.boolean().optional(),
  })
  .strict();

/**
 * `POST /v1/slides/:id/reingest` (JSON `{ "mpp"?, "target_mpp"?, "tile_at_level0"? }`, or no
 * body): a `failed` or `ready` slide is reset cleanly (patches, prototypes, tissue mask,
 * progress, failure) and queued again with the new options; 202 with the slide. A slide still
 * being ingested is a 409.
 */
export function slideReingestRoute() {
  return new Hono<AppEnvironment>().post('/v1/slides/:id/reingest', async (context) => {
    const runtime = context.get('runtime');
    const slide = await findSlide(runtime.store, context.req.param('id'));
    // No body at all means "as before"; hono caches the text, so it can still be read as JSON.
    const hasBody = (await context.req.text()).trim() !== '';
    const request = parseValue(reingestRequest, hasBody ? await readJsonBody(context) : {}, 'body');
    const requeued = await reingestSlide(runtime.store, slide.id, {
      mpp: request.mpp,
      targetMpp: request.target_mpp,
      tileAtLevel0: request.tile_at_level0,
      inputSizePx: runtime.imageEncoder.inputSizePx,
      defaultTargetMpp: runtime.config.targetMpp,
      dataDir: runtime.config.dataDir,
      maxUpsampleFactor: runtime.config.maxUpsampleFactor,
    });
    runtime.ingestion.enqueue(requeued.id);
    return context.json(slideView(requeued), 202);
  });
}
