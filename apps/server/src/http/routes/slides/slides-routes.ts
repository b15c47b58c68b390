import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Hono } from 'hono';
import { PathLensError } from '@pathlens/core';
import { registerSlide } from '@pathlens/ingest';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseJson } from '../../parse-request.ts';
import { allowedSlidePath } from '../../slide-path-guard.ts';
import { findSlide } from './find-slide.ts';
import {
  parseMultipartFields,
  registrationFieldsOf,
  slideByPathRequest,
  type SlideRegistrationFields,
} from './slide-registration-request.ts';
import { saveUpload } from './save-upload.ts';
import { receiveUpload, uploadsDirectory } from '../../multipart/receive-upload.ts';
import { namedForUploader } from './upload-error.ts';
import { slideView } from './slide-view.ts';

/**
 * `POST /v1/slides` (multipart `file`, or JSON `{ "path": … }` inside SLIDE_DIRS; both take
 * `mpp`, `tile_at_level0`, `metadata`, `name`, `force`) queues a slide for ingestion at
 * TARGET_MPP; `GET /v1/slides/:id` shows its status and progress.
 */
export function slidesRoutes() {
  return new Hono<AppEnvironment>()
    .post('/v1/slides', async (context) => {
      const runtime = context.get('runtime');
      const { config } = runtime;
      const contentType = context.req.header('content-type') ?? '';
      let registration: SlideRegistrationFields & {
        filePath: string;
        contentSha256?: string;
        uploaded: boolean;
        fileName?: string;
      };
      if (contentType.startsWith('multipart/form-data')) {
        const body = await receiveUpload(context);
        try {
          const file = body.files.find((received) => received.field === 'file');
          if (!file)
            throw new PathLensError('invalid_request', 'Send the slide as a multipart field named "file".', {
              param: 'file',
            });
          const fields = parseMultipartFields(
            Object.fromEntries([...body.fields].map(([key, values]) => [key, values[0]])),
          );
          const saved = await saveUpload(file, uploadsDirectory(config.dataDir));
          const fileName = path.basename(file.fileName);
          registration = {
            ...fields,
            name: fields.name ?? fileName,
            filePath: saved.filePath,
            contentSha256: saved.contentSha256,
            uploaded: true,
            fileName,
          };
        } finally {
          await body.discard(); // everything not moved into place: other parts, or all of them on a bad field
        }
      } else {
        const request = await parseJson(context, slideByPathRequest);
        registration = {
          ...registrationFieldsOf(request),
          filePath: await allowedSlidePath(request.path, config.slideDirs),
          uploaded: false,
        };
      }
      let registered;
      try {
        registered = await registerSlide(runtime.store, {
          ...registration,
          encoderId: runtime.imageEncoder.modelId,
          inputSizePx: runtime.imageEncoder.inputSizePx,
          targetMpp: config.targetMpp,
          maxUpsampleFactor: config.maxUpsampleFactor,
          dataDir: config.dataDir,
        });
      } catch (error) {
        if (!registration.uploaded) throw error;
        await rm(registration.filePath, { force: true });
        throw namedForUploader(
          error,
          registration.filePath,
          registration.fileName ?? path.basename(registration.filePath),
        );
      }
      if (registered.created) runtime.ingestion.enqueue(registered.slide.id);
      return context.json(
        { ...slideView(registered.slide), duplicate: !registered.created },
        registered.created ? 202 : 200,
      );
    })
    .get('/v1/slides', async (context) => {
      const runtime = context.get('runtime');
      const slides = await runtime.store.slides.list();
      return context.json({
        object: 'list',
        data: slides.map((slide) => slideView(slide, runtime.ingestion.progress(slide.id))),
      });
    })
    .get('/v1/slides/:id', async (context) => {
      const runtime = context.get('runtime');
      const slide = await findSlide(runtime.store, context.req.param('id'));
      return context.json(slideView(slide, runtime.ingestion.progress(slide.id)));
    });
}
