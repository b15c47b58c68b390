import { PathLensError } from '@pathlens/core';
import type { ImageEncoder, RgbPixels, TextEncoder } from '@pathlens/encoders';
import type { LabelSet } from '../label-sets/label-set.ts';
import { classifyEmbeddings, type LogitScaleOptions } from '../zero-shot/classify-embeddings.ts';
import { embedLabelSet } from '../zero-shot/embed-label-set.ts';
import { classificationMetrics, type ClassificationMetrics } from './classification-metrics.ts';
import type { RejectedRow } from './evaluate-retrieval.ts';
import type { LabelledImage } from './labelled-images.ts';
import { describeImageReference, loadImage } from './load-image.ts';

export interface ZeroShotSampleResult {
  origin: string;
  trueClassId: string;
  predictedClassId: string;
  probability: number;
}

export interface ZeroShotEvaluation extends ClassificationMetrics {
  labelSetId: string;
  modelId: string;
  logitScale: number;
  /** Chance level of balanced accuracy: 1 / classes present among the true labels. */
  chanceBalancedAccuracy: number;
  samples: ZeroShotSampleResult[];
  /** Images that could not be read. */
  unreadable: { origin: string; reason: string }[];
  rejected: RejectedRow[];
}

/**
 * Classify labelled images zero-shot and score the predictions. Data labels are matched to
 * the label set's class ids, then class names, case-insensitively; a label that matches
 * neither fails with the lists of both, before any image is encoded.
 *
 * @example
 * const { images } = await listLabelledImages('crc-patches/');
 * const result = await evaluateZeroShot({ imageEncoder, textEncoder }, images, catalog.get('crc-tissue-types'));
 */
export async function evaluateZeroShot(
  encoders: { imageEncoder: ImageEncoder; textEncoder: TextEncoder },
  images: LabelledImage[],
  labelSet: LabelSet,
  options: LogitScaleOptions & { rejected?: RejectedRow[]; onProgress?: (done: number, total: number) => void } = {},
): Promise<ZeroShotEvaluation> {
  const classIdByLabel = new Map<string, string>();
  for (const labelClass of labelSet.classes) {
    classIdByLabel.set(labelClass.name.toLowerCase(), labelClass.id);
    classIdByLabel.set(labelClass.id.toLowerCase(), labelClass.id);
  }
  const unknown = [
    ...new Set(images.map((image) => image.label).filter((label) => !classIdByLabel.has(label.toLowerCase()))),
  ];
  if (unknown.length > 0) {
    throw new PathLensError(
      'invalid_request',
      `Labels in the data that label set "${labelSet.id}" has no class for: ${unknown.slice(0, 10).join(', ')}${unknown.length > 10 ? ', …' : ''}. Its class ids: ${labelSet.classes.map((labelClass) => labelClass.id).join(', ')}. Rename the labels or use a label set with these classes.`,
      { labelSetId: labelSet.id, unknown },
    );
  }
  if (images.length === 0) throw new PathLensError('invalid_request', 'No labelled images to evaluate.');

  const classifier = await embedLabelSet(encoders.textEncoder, labelSet);
  const samples: ZeroShotSampleResult[] = [];
  const unreadable: { origin: string; reason: string }[] = [];
  let logitScale = 0;
  const batchSize = Math.min(64, encoders.imageEncoder.maxBatchSize);
  for (let start = 0; start < images.length; start += batchSize) {
    const batch: { labelled: LabelledImage; pixels: RgbPixels }[] = [];
    for (const labelled of images.slice(start, start + batchSize)) {
      try {
        batch.push({ labelled, pixels: await loadImage(labelled.image) });
      } catch (error) {
        unreadable.push({
          origin: labelled.origin || describeImageReference(labelled.image),
          reason: (error as Error).message,
        });
      }
    }
    const predictions = classifyEmbeddings(
      await encoders.imageEncoder.embedImages(batch.map((entry) => entry.pixels)),
      classifier,
      options,
    );
    predictions.forEach((prediction, index) => {
      const { labelled } = batch[index]!;
      logitScale = prediction.logitScale;
      samples.push({
        origin: labelled.origin,
        trueClassId: classIdByLabel.get(labelled.label.toLowerCase())!,
        predictedClassId: prediction.predicted.id,
        probability: prediction.predicted.probability,
      });
    });
    options.onProgress?.(Math.min(start + batchSize, images.length), images.length);
  }
  if (samples.length === 0)
    throw new PathLensError(
      'invalid_request',
      `None of the ${images.length} images could be read (first: ${unreadable[0]?.origin}: ${unreadable[0]?.reason}).`,
    );
  const metrics = classificationMetrics(
    samples.map((sample) => sample.trueClassId),
    samples.map((sample) => sample.predictedClassId),
    labelSet.classes.map((labelClass) => labelClass.id),
  );
  const present = metrics.perClass.filter((metric) => metric.support > 0).length;
  return {
    labelSetId: labelSet.id,
    modelId: encoders.imageEncoder.modelId,
    logitScale,
    ...metrics,
    chanceBalancedAccuracy: 1 / present,
    samples,
    unreadable,
    rejected: options.rejected ?? [],
  };
}
