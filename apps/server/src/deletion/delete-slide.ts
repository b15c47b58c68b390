import { slideFilesDirectory } from '@pathlens/ingest';
import type { DeletedCounts, DeletionAudit, SlideRow } from '@pathlens/store';
import type { Runtime } from '../runtime/runtime.ts';
import { removeDataFiles } from './remove-data-files.ts';

/**
 * Delete slides' files once their rows are gone: what PathLens derived (tissue mask, outlines,
 * viewer tiles, under `slides/<id>/`) and an uploaded file (under `uploads/`); a file ingested in
 * place from SLIDE_DIRS stays where it is. Returns how many files went.
 */
export async function removeSlideFiles(
  runtime: Pick<Runtime, 'config' | 'viewer'>,
  deleted: SlideRow[],
): Promise<number> {
  let files = 0;
  for (const slide of deleted) {
    await runtime.viewer.forget(slide);
    files += await removeDataFiles(runtime.config.dataDir, slideFilesDirectory(runtime.config.dataDir, slide.id));
    files += await removeDataFiles(runtime.config.dataDir, slide.filePath);
  }
  return files;
}

/**
 * Delete one slide and everything derived from it (patches, prototypes, embeddings, reports,
 * tiles, masks, its upload); conversations about it keep their text and say the slide was
 * deleted. Ingestion of it in this process stops first, so nothing is written for it afterwards.
 * Undefined when there is no such slide.
 */
export async function deleteSlide(
  runtime: Runtime,
  slideId: string,
  audit: DeletionAudit,
): Promise<DeletedCounts | undefined> {
  if (!(await runtime.store.slides.findById(slideId))) return undefined;
  await runtime.ingestion.cancel(slideId);
  const deleted = await runtime.store.deletions.deleteSlide(slideId, audit);
  if (!deleted) return undefined;
  return { ...deleted.counts, files: await removeSlideFiles(runtime, [deleted.slide]) };
}
