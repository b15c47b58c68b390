import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { PathLensError } from '@pathlens/core';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseValue } from '../../parse-request.ts';
import { findSlide } from './find-slide.ts';

const maxSizeQuery = z.object({
  max_size_px: z.coerce.number().int().min(16).max(4096).default(1024),
});

/** Derived pictures never change for a slide's bytes: let browsers keep them a day. */
const cacheForADay = 'private, max-age=86400';

/**
 * Pictures of a slide for the web viewer:
 * - `GET /v1/slides/:id/dzi` — Deep Zoom descriptor (XML), 254-px tiles with 1 px overlap;
 * - `GET /v1/slides/:id/dzi_files/:level/:column_:row.jpeg` — one tile (cached on disk);
 * - `GET /v1/slides/:id/thumbnail.jpg?max_size_px=1024`;
 * - `GET /v1/slides/:id/tissue-mask.png?max_size_px=1024` — tissue overlay, the thumbnail's size, transparent off
 * tissue;
 * - `GET /v1/slides/:id/tissue.geojson` — tissue outlines in level-0 pixels (QuPath: File → Import objects);
 * - `GET /v1/slides/:id/associated/:name.jpg` — thumbnail / macro / label as the file has them
 *   (label and macro: 403 `label_image_disabled` unless SERVE_LABEL_IMAGE=true).
 */
export function slideViewerRoutes() {
  return new Hono<AppEnvironment>()
    .get('/v1/slides/:id/dzi', async (context) => {
      const runtime = context.get('runtime');
      const slide = await findSlide(runtime.store, context.req.param('id'));
      return context.body(runtime.viewer.deepZoomDescriptor(slide), 200, {
        'content-type': 'application/xml; charset=utf-8',
        'cache-control': cacheForADay,
      });
    })
    .get('/v1/slides/:id/dzi_files/:level/:tile', async (context) => {
      const runtime = context.get('runtime');
      const slide = await findSlide(runtime.store, context.req.param('id'));
      const level = integerParameter(context.req.param('level'), 'level');
      const match = /^(\d+)_(\d+)\.(jpeg|jpg)$/.exec(context.req.param('tile'));
      if (!match) {
        throw new PathLensError(
          'invalid_request',
          `Tile "${context.req.param('tile')}" is not <column>_<row>.jpeg (e.g. 0_0.jpeg).`,
          { param: 'tile' },
        );
      }
      const jpeg = await runtime.viewer.deepZoomTile(slide, { level, column: Number(match[1]), row: Number(match[2]) });
      return image(context, jpeg, 'image/jpeg');
    })
    .get('/v1/slides/:id/thumbnail.jpg', async (context) => {
      const runtime = context.get('runtime');
      const slide = await findSlide(runtime.store, context.req.param('id'));
      const { max_size_px: maxSizePx } = parseValue(maxSizeQuery, context.req.query(), 'query');
      return image(context, await runtime.viewer.thumbnailJpeg(slide, maxSizePx), 'image/jpeg');
    })
    .get('/v1/slides/:id/tissue-mask.png', async (context) => {
      const runtime = context.get('runtime');
      const slide = await findSlide(runtime.store, context.req.param('id'));
      const { max_size_px: maxSizePx } = parseValue(maxSizeQuery, context.req.query(), 'query');
      return image(context, await runtime.viewer.tissueOverlayPng(slide, maxSizePx), 'image/png');
    })
    .get('/v1/slides/:id/tissue.geojson', async (context) => {
      const runtime = context.get('runtime');
      const slide = await findSlide(runtime.store, context.req.param('id'));
      return context.body(await runtime.viewer.tissueGeoJson(slide), 200, {
        'content-type': 'application/geo+json',
        'cache-control': 'no-cache',
      });
    })
    .get('/v1/slides/:id/associated/:file', async (context) => {
      const runtime = context.get('runtime');
      const slide = await findSlide(runtime.store, context.req.param('id'));
      const match = /^([a-z]+)\.(jpg|jpeg)$/.exec(context.req.param('file'));
      if (!match)
        throw new PathLensError(
          'not_found',
          `No associated image "${context.req.param('file').slice(0, 40)}": ask for <name>.jpg, e.g. thumbnail.jpg.`,
          { param: 'name' },
        );
      // Identifying images are never cached by browsers or proxies.
      const jpeg = await runtime.viewer.associatedImageJpeg(slide, match[1]!);
      return context.body(new Uint8Array(jpeg), 200, { 'content-type': 'image/jpeg', 'cache-control': 'no-store' });
    });
}

function integerParameter(value: string, name: string): number {
  if (!/^\d{1,4}$/.test(value))
    throw new PathLensError('invalid_request', `${name} must be a non-negative integer, got "${value}".`, {
      param: name,
    });
  return Number(value);
}

function image(context: Context, bytes: Buffer, contentType: string) {
  return context.body(new Uint8Array(bytes), 200, { 'content-type': contentType, 'cache-control': cacheForADay });
}
