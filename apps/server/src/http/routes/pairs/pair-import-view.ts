import type { PairImportJob, RejectedRow } from '@pathlens/library';

/** A job as the API shows it (snake_case, like the rest of the API). */
export function pairImportView(job: PairImportJob, rejectedSample?: RejectedRow[]) {
  const { counts, position } = job;
  return {
    object: 'pair_import',
    id: job.id,
    status: job.status,
    input: job.request.displayName,
    format: job.plan?.format ?? job.request.format,
    images_dir: job.plan?.imagesDir ?? job.request.imagesDir,
    source: job.plan?.defaultSource ?? job.request.source,
    text_only: job.request.textOnly,
    counts: {
      rows_read: counts.rowsRead,
      imported: counts.imported,
      text_only: counts.textOnly,
      duplicates: counts.duplicates,
      rejected: counts.rejected,
    },
    rate_rows_per_second: job.runSeconds > 0 ? Math.round((counts.rowsRead / job.runSeconds) * 10) / 10 : null,
    progress: position
      ? {
          done: position.done,
          total: position.total,
          unit: position.unit,
          fraction: job.status === 'finished' ? 1 : position.total ? Math.min(1, position.done / position.total) : null,
        }
      : null,
    rejected_by_code: job.rejectedByCode,
    phi_replacements: job.phiReplacements,
    rejected_report: `/v1/pairs/imports/${job.id}/rejected`,
    ...(rejectedSample ? { rejected_sample: rejectedSample } : {}),
    failure_reason: job.failureReason,
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
  };
}
