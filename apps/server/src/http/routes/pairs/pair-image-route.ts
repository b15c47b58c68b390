import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';
import sharp from 'sharp';
import { PathLensError } from '@pathlens/core';
import type { AppEnvironment } from '../../app-environment.ts';
import { findPair } from './find-pair.ts';

/** Formats every browser shows as they are stored; anything else (TIFF) is sent as PNG. */
const contentTypeByExtension: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
};

/**
 * `GET /v1/pairs/:id/image`: a library entry's picture, as it was added (TIFF and other formats
 * a browser cannot show are converted to PNG) — what a gallery card and a cited library caption show.
 */
export function pairImageRoute() {
  return new Hono<AppEnvironment>().get('/v1/pairs/:id/image', async (context) => {
    const { store, config } = context.get('runtime');
    const id = context.req.param('id');
    const pair = await findPair(store, id);
    if (!pair.imageRef)
      throw new PathLensError(
        'not_found',
        `Library pair ${id} is a caption without a picture (imported without its image); only its caption is kept.`,
        { param: 'id' },
      );
    const filePath = path.resolve(config.dataDir, pair.imageRef);
    const bytes = await readFile(filePath).catch(() => {
      throw new PathLensError(
        'not_found',
        `The picture of library pair ${id} is missing from ${path.join(config.dataDir, 'pairs')}; add the pair again.`,
        { param: 'id' },
      );
    });
    const contentType = contentTypeByExtension[path.extname(filePath).toLowerCase()];
    const headers = { 'cache-control': 'private, max-age=86400', 'content-type': contentType ?? 'image/png' };
    const body = contentType ? bytes : await sharp(bytes).png().toBuffer();
    return context.body(new Uint8Array(body), 200, headers);
  });
}
