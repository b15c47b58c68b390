import type { ReportRow } from '@pathlens/store';

/** A stored report as the API shows it. */
export function reportView(row: ReportRow) {
  return {
    id: row.id,
    object: 'report',
    slide_id: row.slideId,
    template_id: row.templateId,
    clinical_context: row.clinicalContext,
    model: row.model,
    created_at: row.createdAt.toISOString(),
    notice: typeof row.structured.notice === 'string' ? row.structured.notice : null,
    report: row.structured,
    markdown: row.markdown,
    evidence: row.evidence,
  };
}
