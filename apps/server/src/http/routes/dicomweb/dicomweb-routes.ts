import { Hono } from 'hono';
import { z } from 'zod';
import { registerDicomWebSeries } from '@pathlens/ingest';
import { searchSlideSeries } from '@pathlens/slide-reader';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseJson, parseValue } from '../../parse-request.ts';
import { requestMpp, slideMetadata } from '../slides/slide-registration-request.ts';
import { slideView } from '../slides/slide-view.ts';

const dicomUid = z.string().regex(/^[0-9.]{1,64}$/, 'must be a DICOM UID (digits and dots, at most 64 characters)');

const searchQuery = z.object({
  study_instance_uid: dicomUid.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const ingestRequest = z.object({
  endpoint: z.string().min(1).max(40),
  study_instance_uid: dicomUid,
  series_instance_uid: dicomUid,
  name: z.string().min(1).max(500).optional(),
  mpp: requestMpp.optional(),
  tile_at_level0: z.boolean().optional(),
  metadata: slideMetadata.optional(),
});

/**
 * Slides from DICOMweb servers (DICOMWEB_ENDPOINTS):
 * - `GET /v1/dicomweb`: the configured servers (names and roots; never credentials);
 * - `GET /v1/dicomweb/:endpoint/series?study_instance_uid=&limit=&offset=`: slide-microscopy
 *   series there (QIDO-RS, Modality SM), without patient attributes;
 * - `POST /v1/slides/dicomweb` `{ endpoint, study_instance_uid, series_instance_uid, name?, mpp?,
 *   tile_at_level0?, metadata? }`: queue a series for ingestion (202), or return the slide
 *   already made from that Series Instance UID (200, `duplicate: true`).
 */
export function dicomWebRoutes() {
  return new Hono<AppEnvironment>()
    .get('/v1/dicomweb', (context) => {
      const runtime = context.get('runtime');
      return context.json({
        object: 'list',
        data: runtime.dicomWeb.list().map((server) => ({ object: 'dicomweb_endpoint', ...server })),
      });
    })
    .get('/v1/dicomweb/:endpoint/series', async (context) => {
      const runtime = context.get('runtime');
      const client = runtime.dicomWeb.client(context.req.param('endpoint'));
      const query = parseValue(searchQuery, context.req.query(), 'query');
      const series = await searchSlideSeries(client, {
        studyInstanceUid: query.study_instance_uid,
        limit: query.limit,
        offset: query.offset,
      });
      runtime.logger.info(`dicomweb search on ${client.name}: ${series.length} slide series`);
      return context.json({
        object: 'list',
        endpoint: client.name,
        data: series.map((entry) => ({
          object: 'dicomweb_series',
          study_instance_uid: entry.studyInstanceUid,
          series_instance_uid: entry.seriesInstanceUid,
          series_number: entry.seriesNumber,
          series_description: entry.seriesDescription,
          study_description: entry.studyDescription,
          study_date: entry.studyDate,
          instance_count: entry.instanceCount,
        })),
      });
    })
    .post('/v1/slides/dicomweb', async (context) => {
      const runtime = context.get('runtime');
      const request = await parseJson(context, ingestRequest);
      runtime.dicomWeb.client(request.endpoint); // an unknown name is a 404 before anything is fetched
      const registered = await registerDicomWebSeries(runtime.store, runtime.openSlide, {
        endpoint: request.endpoint,
        studyInstanceUid: request.study_instance_uid,
        seriesInstanceUid: request.series_instance_uid,
        name: request.name,
        mpp: request.mpp,
        tileAtLevel0: request.tile_at_level0,
        metadata: request.metadata,
        encoderId: runtime.imageEncoder.modelId,
        inputSizePx: runtime.imageEncoder.inputSizePx,
        targetMpp: runtime.config.targetMpp,
      });
      if (registered.created) runtime.ingestion.enqueue(registered.slide.id);
      runtime.logger.info(
        `dicomweb series from ${request.endpoint} ${registered.created ? 'queued' : 'already registered'} as slide ` +
          `${registered.slide.id}`,
      );
      return context.json(
        { ...slideView(registered.slide), duplicate: !registered.created },
        registered.created ? 202 : 200,
      );
    });
}
