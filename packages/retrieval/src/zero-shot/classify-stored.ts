import { PathLensError } from '@pathlens/core';
import type { ImageEncoder, RgbPixels, TextEncoder } from '@pathlens/encoders';
import type { Store } from '@pathlens/store';
import type { LabelSet } from '../label-sets/label-set.ts';
import { classifyEmbeddings, type LogitScaleOptions, type ZeroShotPrediction } from './classify-embeddings.ts';
import { embedLabelSet } from './embed-label-set.ts';

/**
 * Zero-shot classification of images (any size: the encoder resizes and centre-crops).
 *
 * @example
 * const [prediction] = await classifyImages({ imageEncoder, textEncoder }, [await decodeImage(bytes)], labelSet);
 */
export async function classifyImages(
  dependencies: { imageEncoder: ImageEncoder; textEncoder: TextEncoder },
  images: RgbPixels[],
  labelSet: LabelSet,
  options: LogitScaleOptions = {},
): Promise<ZeroShotPrediction[]> {
  const classifier = await embedLabelSet(dependencies.textEncoder, labelSet);
  const embeddings: Float32Array[] = [];
  for (let start = 0; start < images.length; start += dependencies.imageEncoder.maxBatchSize) {
    embeddings.push(
      ...(await dependencies.imageEncoder.embedImages(
        images.slice(start, start + dependencies.imageEncoder.maxBatchSize),
      )),
    );
  }
  return classifyEmbeddings(embeddings, classifier, options);
}

/** Zero-shot classification of one stored slide patch, from its stored embedding. */
export async function classifyPatch(
  dependencies: { store: Store; textEncoder: TextEncoder },
  patchId: number,
  labelSet: LabelSet,
  options: LogitScaleOptions = {},
): Promise<ZeroShotPrediction & { patchId: number; slideId: string }> {
  const patch = await dependencies.store.search.patchEmbedding(patchId);
  if (!patch)
    throw new PathLensError(
      'not_found',
      `No patch with id ${patchId}. Patch ids come from search results (kind "patch").`,
      { patchId },
    );
  const [prediction] = classifyEmbeddings(
    [patch.embedding],
    await embedLabelSet(dependencies.textEncoder, labelSet),
    options,
  );
  return { ...prediction!, patchId, slideId: patch.slideId };
}

/** Zero-shot classification of a library pair's image, from its stored embedding. */
export async function classifyPair(
  dependencies: { store: Store; textEncoder: TextEncoder },
  pairId: string,
  labelSet: LabelSet,
  options: LogitScaleOptions = {},
): Promise<ZeroShotPrediction & { pairId: string }> {
  const pair = await dependencies.store.search.pairEmbeddings(pairId);
  if (!pair) throw new PathLensError('not_found', `No library pair with id ${pairId}.`, { pairId });
  if (!pair.imageEmbedding)
    throw new PathLensError(
      'invalid_request',
      `Library pair ${pairId} is a caption without an image; zero-shot classification needs an image.`,
      { pairId },
    );
  const [prediction] = classifyEmbeddings(
    [pair.imageEmbedding],
    await embedLabelSet(dependencies.textEncoder, labelSet),
    options,
  );
  return { ...prediction!, pairId };
}
