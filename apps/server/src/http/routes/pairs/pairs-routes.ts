import { readFile } from 'node:fs/promises';
import { Hono } from 'hono';
import { z } from 'zod';
import { plainText } from '../../plain-text.ts';
import { PathLensError } from '@pathlens/core';
import { addPair, largestCaptionCharacters, type NewPair } from '@pathlens/library';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseJson, parseValue } from '../../parse-request.ts';
import { pairImportsRoutes } from './pair-imports-routes.ts';
import { pairImageRoute } from './pair-image-route.ts';
import { findPair } from './find-pair.ts';
import { receiveUpload } from '../../multipart/receive-upload.ts';

const caption = plainText().trim().min(1, 'caption is empty').max(largestCaptionCharacters);
const source = plainText().max(200).optional();

const pairJsonRequest = z.object({
  /** A data URL: `data:image/png;base64,…`. */
  image: z.string().regex(/^data:image\/[a-z+.-]+;base64,/, 'must be a data URL such as data:image/png;base64,…'),
  caption,
  source,
  metadata: z.record(plainText().min(1).max(100), plainText().max(500)).optional(),
});

/**
 * `POST /v1/pairs`: add one image–caption pair (multipart `image` + `caption`, or JSON with a
 * data URL); the use case is `addPair` in @pathlens/library. `GET /v1/pairs/:id`: the entry and
 * every imported row linked to it. Imports: see `pairImportsRoutes`.
 */
export function pairsRoutes() {
  return (
    new Hono<AppEnvironment>()
      .post('/v1/pairs', async (context) => {
        const runtime = context.get('runtime');
        let pair: NewPair;
        if ((context.req.header('content-type') ?? '').startsWith('multipart/form-data')) {
          const body = await receiveUpload(context);
          try {
            const image = body.files.find((received) => received.field === 'image');
            if (!image)
              throw new PathLensError('invalid_request', 'Send the picture as a multipart field named "image".', {
                param: 'image',
              });
            pair = {
              imageBytes: new Uint8Array(await readFile(image.temporaryPath)),
              caption: parseValue(caption, body.field('caption'), 'caption'),
              source: parseValue(source, body.field('source'), 'source'),
            };
          } finally {
            await body.discard();
          }
        } else {
          const request = await parseJson(context, pairJsonRequest);
          pair = {
            imageBytes: Buffer.from(request.image.slice(request.image.indexOf(',') + 1), 'base64'),
            caption: request.caption,
            source: request.source,
            metadata: request.metadata,
          };
        }
        const {
          pair: stored,
          created,
          phiCounts,
        } = await addPair({ ...runtime, dataDir: runtime.config.dataDir }, pair);
        return context.json(
          {
            object: 'image_text_pair',
            id: stored.id,
            caption: stored.caption,
            source: stored.source,
            metadata: stored.metadata,
            duplicate: !created,
            phi_replacements: phiCounts,
          },
          created ? 201 : 200,
        );
      })
      .route('/', pairImportsRoutes())
      .route('/', pairImageRoute())
      // After the import routes, so /v1/pairs/imports is not taken for an id.
      .get('/v1/pairs/:id', async (context) => {
        const { store } = context.get('runtime');
        const pair = await findPair(store, context.req.param('id'));
        const rows = await store.pairRows.forPair(pair.id);
        return context.json({
          object: 'image_text_pair',
          id: pair.id,
          caption: pair.caption,
          source: pair.source,
          metadata: pair.metadata,
          image_ref: pair.imageRef,
          /** Every imported row stored as this entry (a caption shared by many slides: one row each), with its own
           * fields.
           */
          rows: rows.map((row) => ({
            source: row.source,
            metadata: row.metadata,
            created_at: row.createdAt.toISOString(),
          })),
        });
      })
  );
}
