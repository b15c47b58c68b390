import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import { PathLensError } from '@pathlens/core';
import type { PairImportWorker } from '@pathlens/library';
import type { AppEnvironment } from '../../app-environment.ts';
import { pairImportRequest } from './pair-import-request.ts';
import { pairImportView } from './pair-import-view.ts';

/**
 * Library imports, run as background jobs:
 * - `POST /v1/pairs/import`: JSON `{ "path", "format"?, "images_dir"?, "source"?, "text_only"? }`
 *   (inside SLIDE_DIRS) or a multipart upload → 202 with the job.
 * - `GET /v1/pairs/imports`, `GET /v1/pairs/imports/:id`: status, counts, rate, progress and
 *   the first rejected rows; `GET /v1/pairs/imports/:id/rejected`: every rejected row (JSON Lines).
 */
export function pairImportsRoutes() {
  return new Hono<AppEnvironment>()
    .post('/v1/pairs/import', async (context) => {
      const runtime = context.get('runtime');
      const job = await runtime.pairImports.submit(({ uploadDirectory }) =>
        pairImportRequest(context, runtime.config, uploadDirectory),
      );
      context.header('location', `/v1/pairs/imports/${job.id}`);
      return context.json(pairImportView(job), 202);
    })
    .get('/v1/pairs/imports', async (context) => {
      const jobs = await context.get('runtime').pairImports.list();
      return context.json({ object: 'list', data: jobs.map((job) => pairImportView(job)) });
    })
    .get('/v1/pairs/imports/:id', async (context) => {
      const worker = context.get('runtime').pairImports;
      const job = await findJob(worker, context.req.param('id'));
      return context.json(pairImportView(job, await worker.folder.rejectedSample(job.id, 20)));
    })
    .get('/v1/pairs/imports/:id/rejected', async (context) => {
      const worker = context.get('runtime').pairImports;
      const job = await findJob(worker, context.req.param('id'));
      const report = worker.folder.rejectedReportPath(job.id);
      const exists = await stat(report).catch(() => null);
      const body = exists ? (Readable.toWeb(createReadStream(report)) as ReadableStream<Uint8Array>) : '';
      return context.body(body, 200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
    });
}

async function findJob(worker: PairImportWorker, id: string) {
  const job = await worker.get(id);
  if (!job)
    throw new PathLensError('not_found', `No library import with id ${id}. List imports with GET /v1/pairs/imports.`, {
      importId: id,
    });
  return job;
}
