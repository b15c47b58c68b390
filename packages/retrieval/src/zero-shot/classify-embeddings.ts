import type { LabelSetEmbeddings } from './embed-label-set.ts';

/** CLIP's exp(logit_scale) after training: the default when neither label set nor setting gives one. */
export const defaultLogitScale = 100;

export interface ClassProbability {
  /** The label set's class id. */
  id: string;
  name: string;
  /** 0–1; a prediction's probabilities sum to 1. */
  probability: number;
  /** Cosine similarity between the image (or pooled patches) and the class embedding, -1…1. */
  similarity: number;
}

export interface ZeroShotPrediction {
  labelSetId: string;
  /** The softmax sharpness used. */
  logitScale: number;
  /** Every class, in the label set's order. */
  classes: ClassProbability[];
  /** The most probable class (the first one on a tie). */
  predicted: ClassProbability;
}

export interface LogitScaleOptions {
  /** Used when the label set has no `logit_scale` (the ZERO_SHOT_LOGIT_SCALE setting). Default 100. */
  defaultLogitScale?: number | undefined;
}

/** The logit scale a label set asks for, else the configured default. */
export function logitScaleFor(labelSetEmbeddings: LabelSetEmbeddings, options: LogitScaleOptions = {}): number {
  return labelSetEmbeddings.labelSet.logitScale ?? options.defaultLogitScale ?? defaultLogitScale;
}

/** Numerically stable softmax. */
export function softmax(logits: readonly number[]): number[] {
  const largest = Math.max(...logits);
  const exponentials = logits.map((logit) => Math.exp(logit - largest));
  const total = exponentials.reduce((sum, value) => sum + value, 0);
  return exponentials.map((value) => value / total);
}

/** Cosine similarity of two L2-normalised vectors (their dot product). */
export function cosineSimilarity(left: ArrayLike<number>, right: ArrayLike<number>): number {
  let sum = 0;
  for (let index = 0; index < left.length; index++) sum += left[index]! * right[index]!;
  return sum;
}

/**
 * A prediction from one similarity per class: probabilities = softmax(logitScale × similarity).
 * Also used for pooled slide similarities.
 */
export function predictFromSimilarities(
  similarities: readonly number[],
  labelSetEmbeddings: LabelSetEmbeddings,
  logitScale: number,
  probabilities = softmax(similarities.map((similarity) => logitScale * similarity)),
): ZeroShotPrediction {
  const classes = labelSetEmbeddings.labelSet.classes.map((labelClass, index) => ({
    id: labelClass.id,
    name: labelClass.name,
    probability: probabilities[index]!,
    similarity: similarities[index]!,
  }));
  const predicted = classes.reduce((best, candidate) => (candidate.probability > best.probability ? candidate : best));
  return { labelSetId: labelSetEmbeddings.labelSet.id, logitScale, classes, predicted };
}

/**
 * Zero-shot class probabilities for L2-normalised image embeddings, one prediction each.
 *
 * @example
 * const classifier = await embedLabelSet(textEncoder, catalog.get('tissue-components'));
 * const [prediction] = classifyEmbeddings(await imageEncoder.embedImages([pixels]), classifier);
 * prediction.predicted.id; // 'cellular'
 */
export function classifyEmbeddings(
  imageEmbeddings: readonly ArrayLike<number>[],
  labelSetEmbeddings: LabelSetEmbeddings,
  options: LogitScaleOptions = {},
): ZeroShotPrediction[] {
  const logitScale = logitScaleFor(labelSetEmbeddings, options);
  return imageEmbeddings.map((imageEmbedding) => {
    if (imageEmbedding.length !== labelSetEmbeddings.classEmbeddings[0]!.length) {
      throw new Error(
        `image embedding has ${imageEmbedding.length} dimensions, the class embeddings ${labelSetEmbeddings.classEmbeddings[0]!.length}: use the image and text encoders of one model`,
      );
    }
    const similarities = labelSetEmbeddings.classEmbeddings.map((classEmbedding) =>
      cosineSimilarity(imageEmbedding, classEmbedding),
    );
    return predictFromSimilarities(similarities, labelSetEmbeddings, logitScale);
  });
}
