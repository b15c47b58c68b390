import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import type { ImageEncoder, TextEncoder } from '@pathlens/encoders';
import { resolveImageReference, type ImageReference } from './image-reference.ts';
import { describeImageReference, loadImage } from './load-image.ts';
import { defaultRecallCutoffs, retrievalMetrics, type RetrievalMetrics } from './retrieval-metrics.ts';
import { firstColumn, readTableRows } from './table-rows.ts';

/** Column names read for the image and the caption, first match wins (case-insensitive). */
export const imageColumns = ['image', 'image_path', 'path', 'file', 'filename', 'file_name', 'img', 'fname'] as const;
export const captionColumns = ['caption', 'text', 'description'] as const;

/** A row that was left out, and why. */
export interface RejectedRow {
  line: number;
  reason: string;
}

export interface RetrievalEvaluation extends RetrievalMetrics {
  pairsFile: string;
  modelId: string;
  cutoffs: number[];
  rejected: RejectedRow[];
}

/**
 * Read image–caption rows (JSONL, CSV or TSV; an image column and a caption column, images
 * relative to the file), embed images and captions, and compute Recall@K and median rank
 * in both directions. Unreadable rows are reported and skipped; nothing is stored.
 *
 * @example
 * const result = await evaluateRetrieval({ imageEncoder, textEncoder }, 'held-out.csv');
 * result.textToImage.recallAt[5];
 */
export async function evaluateRetrieval(
  encoders: { imageEncoder: ImageEncoder; textEncoder: TextEncoder },
  pairsFile: string,
  options: { cutoffs?: readonly number[]; onProgress?: (done: number, total: number) => void } = {},
): Promise<RetrievalEvaluation> {
  const rows: { line: number; image: ImageReference; caption: string }[] = [];
  const rejected: RejectedRow[] = [];
  for await (const row of readTableRows(pairsFile)) {
    if (row.error) {
      rejected.push({ line: row.line, reason: row.error });
      continue;
    }
    const image = firstColumn(row.values, imageColumns);
    const caption = firstColumn(row.values, captionColumns);
    if (!image || !caption) {
      rejected.push({
        line: row.line,
        reason: `needs an image column (${imageColumns.join(', ')}) and a caption column (${captionColumns.join(', ')})`,
      });
      continue;
    }
    const reference = await resolveImageReference(image.value, path.dirname(path.resolve(pairsFile)));
    if ('reason' in reference) rejected.push({ line: row.line, reason: reference.reason });
    else rows.push({ line: row.line, image: reference, caption: caption.value });
  }

  const imageEmbeddings: Float32Array[] = [];
  const textEmbeddings: Float32Array[] = [];
  const batchSize = Math.min(64, encoders.imageEncoder.maxBatchSize, encoders.textEncoder.maxBatchSize);
  for (let start = 0; start < rows.length; start += batchSize) {
    const batch: { image: Awaited<ReturnType<typeof loadImage>>; caption: string }[] = [];
    for (const row of rows.slice(start, start + batchSize)) {
      try {
        batch.push({ image: await loadImage(row.image), caption: row.caption });
      } catch (error) {
        rejected.push({ line: row.line, reason: `${describeImageReference(row.image)}: ${(error as Error).message}` });
      }
    }
    imageEmbeddings.push(...(await encoders.imageEncoder.embedImages(batch.map((entry) => entry.image))));
    textEmbeddings.push(...(await encoders.textEncoder.embedTexts(batch.map((entry) => entry.caption))));
    options.onProgress?.(Math.min(start + batchSize, rows.length), rows.length);
  }
  if (imageEmbeddings.length === 0) {
    throw new PathLensError(
      'invalid_request',
      `${pairsFile} has no usable image–caption rows${rejected.length ? ` (first problem, line ${rejected[0]!.line}: ${rejected[0]!.reason})` : ''}.`,
    );
  }
  const cutoffs = [...(options.cutoffs ?? defaultRecallCutoffs)];
  return {
    pairsFile,
    modelId: encoders.imageEncoder.modelId,
    cutoffs,
    ...retrievalMetrics(imageEmbeddings, textEmbeddings, cutoffs),
    rejected: rejected.sort((left, right) => left.line - right.line),
  };
}
