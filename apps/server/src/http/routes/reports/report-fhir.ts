import { reportFhirBundle, reportSchema, type EvidenceItem } from '@pathlens/assistant';
import { PathLensError } from '@pathlens/core';
import type { ReportRow, SlideRow } from '@pathlens/store';

/** `format` of `GET /v1/reports/:id`: PathLens JSON (default), the markdown, or a FHIR R4 Bundle. */
export const reportFormats = ['json', 'markdown', 'fhir'] as const;
export type ReportFormat = (typeof reportFormats)[number];

export function parseReportFormat(value: string | undefined): ReportFormat {
  if (value === undefined || value === '') return 'json';
  if ((reportFormats as readonly string[]).includes(value)) return value as ReportFormat;
  throw new PathLensError(
    'invalid_request',
    `format must be one of ${reportFormats.join(', ')} (got "${value}"). Omit it for PathLens JSON.`,
    { format: value },
  );
}

/** A stored report as a FHIR R4 Bundle (`application/fhir+json`). */
export function reportFhirView(row: ReportRow, slide: SlideRow) {
  const report = reportSchema.safeParse(row.structured);
  if (!report.success) {
    throw new PathLensError(
      'internal_error',
      `Report ${row.id} is stored in an older shape that cannot be exported as FHIR; draft it again with POST /v1/reports.`,
      { reportId: row.id },
    );
  }
  return reportFhirBundle({
    id: row.id,
    report: report.data,
    markdown: row.markdown,
    evidence: row.evidence as EvidenceItem[],
    createdAt: row.createdAt,
    model: row.model,
    slide: {
      id: slide.id,
      name: slide.name,
      contentSha256: slide.contentSha256,
      widthPx: slide.widthPx,
      heightPx: slide.heightPx,
      url: `/v1/slides/${slide.id}`,
    },
  });
}
