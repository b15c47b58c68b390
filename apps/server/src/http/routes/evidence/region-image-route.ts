import { Hono } from 'hono';
import { z } from 'zod';
import { PathLensError } from '@pathlens/core';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseValue } from '../../parse-request.ts';
import { findSlide } from '../slides/find-slide.ts';
import { regionJpegRenderer } from './render-region-jpeg.ts';

/** Largest crop served, in level-0 pixels per side, and the largest picture returned. */
export const maxRegionSizeLevel0Px = 8192;
export const maxRegionOutputPx = 512;

const regionQuery = z.object({
  x: z.coerce.number().int().min(0),
  y: z.coerce.number().int().min(0),
  size: z.coerce.number().int().min(1).max(maxRegionSizeLevel0Px),
  /** Side of the returned JPEG; default the crop's size, at most 512. */
  out: z.coerce.number().int().min(16).max(maxRegionOutputPx).optional(),
});

/**
 * `GET /v1/slides/:id/region.jpg?x=&y=&size=`: a square level-0 crop of a slide as a JPEG —
 * the thumbnail every region in an evidence list links to, so a reader can look at what an
 * answer cites. Read from the smallest pyramid level that has the pixels.
 */
export function regionImageRoute() {
  return new Hono<AppEnvironment>().get('/v1/slides/:id/region.jpg', async (context) => {
    const runtime = context.get('runtime');
    const slide = await findSlide(runtime.store, context.req.param('id'));
    const query = parseValue(regionQuery, context.req.query(), 'query');
    if (query.x >= slide.widthPx || query.y >= slide.heightPx) {
      throw new PathLensError(
        'invalid_request',
        `(${query.x}, ${query.y}) is outside the slide (${slide.widthPx}×${slide.heightPx} level-0 px).`,
        { param: 'x' },
      );
    }
    const outputSidePx = query.out ?? Math.min(query.size, maxRegionOutputPx);
    const jpeg = await regionJpegRenderer(runtime.openSlide)(
      slide,
      { xLevel0: query.x, yLevel0: query.y, sizeLevel0Px: query.size },
      outputSidePx,
    );
    return context.body(jpeg as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'image/jpeg',
      'cache-control': 'private, max-age=3600',
    });
  });
}
