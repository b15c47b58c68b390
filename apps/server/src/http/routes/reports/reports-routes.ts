import { Hono } from 'hono';
import { z } from 'zod';
import { draftReport, evidenceKey } from '@pathlens/assistant';
import { PathLensError } from '@pathlens/core';
import type { QueuePlace } from '@pathlens/language-model';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseJson } from '../../parse-request.ts';
import { beginAudit, clientClosedStatus } from '../audit/request-audit.ts';
import { findSlide } from '../slides/find-slide.ts';
import { parseReportFormat, reportFhirView } from './report-fhir.ts';
import { reportRequest } from './report-request.ts';
import { reportView } from './report-view.ts';

const isUuid = (value: string) => z.string().uuid().safeParse(value).success;

/**
 * `POST /v1/reports` drafts a structured report for a slide (schema-validated, evidence-cited,
 * unsupported numbers replaced, stored); `GET /v1/reports/:id` reads one back (`?format=json|markdown|fhir`; `fhir` is
 * a FHIR R4 Bundle);
 * `GET /v1/slides/:id/reports` lists a slide's; `GET /v1/report-templates` lists the templates.
 */
export function reportsRoutes() {
  return new Hono<AppEnvironment>()
    .post('/v1/reports', async (context) => {
      const runtime = context.get('runtime');
      const { languageModel } = runtime;
      const audit = beginAudit(runtime, context, 'report');
      audit.note({ model: languageModel.modelId });
      const abort = new AbortController();
      context.req.raw.signal?.addEventListener('abort', () => abort.abort(), { once: true });
      let place: QueuePlace | undefined;
      try {
        const request = await parseJson(context, reportRequest);
        audit.note({ slideId: request.slide_id });
        place = languageModel.queue.join(abort.signal); // a full queue is a 429 before any work is done
        const drafted = await draftReport(
          {
            store: runtime.store,
            textEncoder: runtime.textEncoder,
            languageModel,
            findings: runtime.findings,
            templates: runtime.reportTemplates,
          },
          {
            slideId: request.slide_id,
            templateId: request.template_id,
            clinicalContext: request.clinical_context,
            mode: request.mode,
            maxAttempts: runtime.config.reportMaxAttempts,
            signal: abort.signal,
            place,
          },
        );
        if (!drafted) {
          await audit.finish(clientClosedStatus);
          return context.body(null, 204); // the client went away; no report is stored
        }
        audit.note({
          reportId: drafted.id,
          evidenceIds: drafted.evidence.map(evidenceKey),
          unsupportedNumbers: drafted.replacedNumbers,
          originalText: drafted.originalReport && JSON.stringify(drafted.originalReport),
        });
        await audit.finish(201);
        const warnings = [
          ...(runtime.models.demoWarning ? [runtime.models.demoWarning] : []),
          ...(drafted.replacedNumbers.length
            ? [
                `Numbers no evidence gives were replaced by "not assessable from the available evidence": ${drafted.replacedNumbers.join(', ')}.`,
              ]
            : []),
        ];
        return context.json(
          {
            id: drafted.id,
            object: 'report',
            slide_id: drafted.slideId,
            template_id: drafted.template.id,
            clinical_context: request.clinical_context ?? null,
            mode: drafted.mode,
            model: drafted.modelId,
            created_at: drafted.createdAt.toISOString(),
            notice: drafted.report.notice,
            report: drafted.report,
            markdown: drafted.markdown,
            evidence: drafted.evidence,
            attempts: drafted.attempts,
            replaced_numbers: drafted.replacedNumbers,
            warnings,
          },
          201,
        );
      } catch (error) {
        await audit.fail(error);
        throw error;
      } finally {
        place?.leave();
      }
    })
    .get('/v1/reports/:id', async (context) => {
      const id = context.req.param('id');
      const row = isUuid(id) ? await context.get('runtime').store.reports.findById(id) : undefined;
      if (!row) throw new PathLensError('not_found', `No report with id ${id}. Draft one with POST /v1/reports.`);
      const format = parseReportFormat(context.req.query('format'));
      if (format === 'markdown')
        return context.body(row.markdown, 200, { 'content-type': 'text/markdown; charset=utf-8' });
      if (format === 'fhir') {
        const slide = await findSlide(context.get('runtime').store, row.slideId);
        return context.body(JSON.stringify(reportFhirView(row, slide)), 200, {
          'content-type': 'application/fhir+json; charset=utf-8',
        });
      }
      return context.json(reportView(row));
    })
    .get('/v1/slides/:id/reports', async (context) => {
      const { store } = context.get('runtime');
      const slide = await findSlide(store, context.req.param('id'));
      return context.json({ object: 'list', data: (await store.reports.listForSlide(slide.id)).map(reportView) });
    })
    .get('/v1/report-templates', (context) => {
      const templates = [...context.get('runtime').reportTemplates.values()];
      return context.json({
        object: 'list',
        data: templates.map((template) => ({
          id: template.id,
          object: 'report_template',
          name: template.name,
          organs: template.organs,
          finding_label_sets: template.finding_label_sets,
          measurements: template.measurements,
          key_terms: template.key_terms,
        })),
      });
    });
}
