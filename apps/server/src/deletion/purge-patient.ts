import { createHash } from 'node:crypto';
import { conversationFilesDirectory } from '@pathlens/core';
import type { DeletedCounts, DeletionAudit } from '@pathlens/store';
import type { Runtime } from '../runtime/runtime.ts';
import { removeSlideFiles } from './delete-slide.ts';
import { removeDataFiles } from './remove-data-files.ts';

/**
 * Delete everything derived from one patient identifier in metadata (`patient_id`, `patient`
 * or `mrn`): their slides with all they led to, the conversations about those slides, and
 * library pairs. The audit keeps the counts and a sha256 of the identifier, not the identifier.
 */
export async function purgePatient(
  runtime: Runtime,
  patientId: string,
  audit: DeletionAudit,
): Promise<{ counts: DeletedCounts; patientIdSha256: string }> {
  const patientIdSha256 = createHash('sha256').update(patientId).digest('hex');
  const found = await runtime.store.deletions.findPatientData(patientId);
  for (const slide of found.slides) await runtime.ingestion.cancel(slide.id);
  const purged = await runtime.store.deletions.purgePatient(patientId, patientIdSha256, audit);
  let files = await removeSlideFiles(runtime, purged.slides);
  for (const pair of purged.pairs)
    if (pair.imageRef) files += await removeDataFiles(runtime.config.dataDir, pair.imageRef);
  for (const id of purged.conversationIds) {
    files += await removeDataFiles(runtime.config.dataDir, conversationFilesDirectory(runtime.config.dataDir, id));
  }
  return { counts: { ...purged.counts, files }, patientIdSha256 };
}
