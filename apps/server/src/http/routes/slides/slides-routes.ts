import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';
import { z } from 'zod';
import { PathLensError } from '@pathlens/core';
import { registerSlide } from '@pathlens/ingest';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseJson } from '../../parse-request.ts';
import { allowedSlidePath } from '../../slide-path-guard.ts';
import { saveUpload } from './save-upload.ts';
import { slideView } from './slide-view.ts';

const slideByPathRequest = z.object({
  path: z.string().min(1),
  name: z.string().min(1).max(500).optional(),
  force: z.boolean().optional(),
});

const slideIdParameter = z.string().uuid();

/**
 * `POST /v1/slides` (multipart `file`, or JSON `{ "path": … }` inside SLIDE_DIRS) queues a
 * slide for ingestion; `GET /v1/slides/:id` shows its status and progress.
 */
export function slidesRoutes() {
  return new Hono<AppEnvironment>()
    .post('/v1/slides', async (context) => {
      const runtime = context.get('runtime');
      const { config } = runtime;
      const contentType = context.req.header('content-type') ?? '';
      let registration: { filePath: string; name?: string | undefined; force?: boolean | undefined; contentSha256?: string; uploaded: boolean };
      if (contentType.startsWith('multipart/form-data')) {
        const body = await context.req.parseBody();
        const file = body.file;
        if (!(file instanceof File)) throw new PathLensError('invalid_request', 'Send the slide as a multipart field named "file".', { param: 'file' });
        const saved = await saveUpload(file, path.join(config.dataDir, 'uploads'));
        registration = { filePath: saved.filePath, contentSha256: saved.contentSha256, name: typeof body.name === 'string' ? body.name : file.name, force: body.force === 'true', uploaded: true };
      } else {
        const request = await parseJson(context, slideByPathRequest);
        registration = { filePath: await allowedSlidePath(request.path, config.slideDirs), name: request.name, force: request.force, uploaded: false };
      }
      let registered;
      try {
        registered = await registerSlide(runtime.store, { ...registration, encoderId: runtime.imageEncoder.modelId, patchSizeLevel0Px: runtime.imageEncoder.inputSizePx });
      } catch (error) {
        if (registration.uploaded) await rm(registration.filePath, { force: true });
        throw error;
      }
      if (registered.created) runtime.ingestion.enqueue(registered.slide.id);
      return context.json({ ...slideView(registered.slide), duplicate: !registered.created }, registered.created ? 202 : 200);
    })
    .get('/v1/slides', async (context) => {
      const runtime = context.get('runtime');
      const slides = await runtime.store.slides.list();
      return context.json({ object: 'list', data: slides.map((slide) => slideView(slide, runtime.ingestion.progress(slide.id))) });
    })
    .get('/v1/slides/:id', async (context) => {
      const runtime = context.get('runtime');
      const slide = await findSlide(runtime.store, context.req.param('id'));
      return context.json(slideView(slide, runtime.ingestion.progress(slide.id)));
    });
}

async function findSlide(store: import('@pathlens/store').Store, id: string) {
  const slide = slideIdParameter.safeParse(id).success ? await store.slides.findById(id) : undefined;
  if (!slide) throw new PathLensError('slide_not_found', `No slide with id ${id}. List slides with GET /v1/slides.`, { slideId: id });
  return slide;
}
