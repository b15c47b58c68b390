import { PathLensError } from '@pathlens/core';
import type { TextEncoder } from '@pathlens/encoders';
import type { Store } from '@pathlens/store';
import { isUuid } from '../is-uuid.ts';
import type { LabelSet } from '../label-sets/label-set.ts';
import {
  classifyEmbeddings,
  logitScaleFor,
  predictFromSimilarities,
  softmax,
  type LogitScaleOptions,
  type ZeroShotPrediction,
} from './classify-embeddings.ts';
import { embedLabelSet } from './embed-label-set.ts';

/**
 * How a slide's patches become one prediction:
 * - `mean-embedding`: classify the slide embedding (the normalised mean of its patch embeddings);
 * - `patch-votes`: classify every patch; probabilities are the mean of the patch probabilities
 *   (a soft vote), and `votes` counts each patch's top class;
 * - `top-k-pooling`: per class, the mean similarity of its `topK` most similar patches, then
 *   softmax (MI-Zero's top-k pooling: a class present in a small region still wins).
 */
export const slideClassificationMethods = ['mean-embedding', 'patch-votes', 'top-k-pooling'] as const;
export type SlideClassificationMethod = (typeof slideClassificationMethods)[number];

export interface SlideClassificationOptions extends LogitScaleOptions {
  /** Default `top-k-pooling`. */
  method?: SlideClassificationMethod | undefined;
  /** Patches pooled per class for `top-k-pooling`; fewer when the slide has fewer. Default 10. */
  topK?: number | undefined;
}

export interface SlideClassification extends ZeroShotPrediction {
  slideId: string;
  method: SlideClassificationMethod;
  /** Tissue patches the prediction is drawn from. */
  patchCount: number;
  /** `top-k-pooling`: patches pooled per class. */
  topK?: number;
  /** `patch-votes`: patches whose most probable class is each class id. */
  votes?: Record<string, number>;
}

/**
 * Zero-shot classification of a whole ingested slide from its stored patch embeddings.
 *
 * @example
 * const result = await classifySlide({ store, textEncoder }, slideId, catalog.get('lung-adeno-vs-squamous'), { method:
 * 'top-k-pooling', topK: 50 });
 * result.predicted.id; // 'LUAD' or 'LUSC'
 */
export async function classifySlide(
  dependencies: { store: Store; textEncoder: TextEncoder },
  slideId: string,
  labelSet: LabelSet,
  options: SlideClassificationOptions = {},
): Promise<SlideClassification> {
  const { store, textEncoder } = dependencies;
  const method = options.method ?? 'top-k-pooling';
  const slide = isUuid(slideId) ? await store.slides.findById(slideId) : undefined;
  if (!slide)
    throw new PathLensError('slide_not_found', `No slide with id ${slideId}. List slides with GET /v1/slides.`, {
      slideId,
    });
  if (slide.status !== 'ready') {
    throw new PathLensError(
      'slide_not_ready',
      `Slide ${slide.name} is ${slide.status}; classify it once ingestion has finished (GET /v1/slides/${slideId} shows progress).`,
      { slideId, status: slide.status },
    );
  }
  const noTissue = () =>
    new PathLensError(
      'invalid_request',
      `Slide ${slide.name} has no tissue patches (every tile was background), so there is nothing to classify.`,
      { slideId },
    );
  const classifier = await embedLabelSet(textEncoder, labelSet);
  const logitScale = logitScaleFor(classifier, options);
  const base = { slideId, method };

  if (method === 'mean-embedding') {
    if (!slide.embedding || slide.patchCount === 0) throw noTissue();
    const [prediction] = classifyEmbeddings([slide.embedding], classifier, options);
    return { ...prediction!, ...base, patchCount: slide.patchCount };
  }

  const patches = await store.search.slidePatchSimilarities(slideId, classifier.classEmbeddings);
  if (patches.length === 0) throw noTissue();
  const classCount = labelSet.classes.length;

  if (method === 'patch-votes') {
    const probabilitySums = new Array<number>(classCount).fill(0);
    const similaritySums = new Array<number>(classCount).fill(0);
    const votes = Object.fromEntries(labelSet.classes.map((labelClass) => [labelClass.id, 0]));
    for (const patch of patches) {
      const probabilities = softmax(patch.similarities.map((similarity) => logitScale * similarity));
      let best = 0;
      probabilities.forEach((probability, index) => {
        probabilitySums[index]! += probability;
        similaritySums[index]! += patch.similarities[index]!;
        if (probability > probabilities[best]!) best = index;
      });
      votes[labelSet.classes[best]!.id]! += 1;
    }
    const meanSimilarities = similaritySums.map((sum) => sum / patches.length);
    const meanProbabilities = probabilitySums.map((sum) => sum / patches.length);
    return {
      ...predictFromSimilarities(meanSimilarities, classifier, logitScale, meanProbabilities),
      ...base,
      patchCount: patches.length,
      votes,
    };
  }

  const topK = Math.max(1, Math.min(options.topK ?? 10, patches.length));
  const pooled = labelSet.classes.map((_, classIndex) => {
    const best = patches
      .map((patch) => patch.similarities[classIndex]!)
      .sort((left, right) => right - left)
      .slice(0, topK);
    return best.reduce((sum, value) => sum + value, 0) / best.length;
  });
  return { ...predictFromSimilarities(pooled, classifier, logitScale), ...base, patchCount: patches.length, topK };
}
