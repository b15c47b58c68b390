import { createHash } from 'node:crypto';
import type { TextEncoder } from '@pathlens/encoders';
import { l2Normalise } from '@pathlens/encoders';
import type { LabelSet } from '../label-sets/label-set.ts';

/** A label set's class embeddings in one text encoder's space. */
export interface LabelSetEmbeddings {
  labelSet: LabelSet;
  /** The text encoder that made them; image embeddings must come from its paired image encoder. */
  modelId: string;
  /** One per class, in the label set's order: the L2-normalised mean of its prompts' normalised embeddings. */
  classEmbeddings: Float32Array[];
}

/** Per encoder, by label-set content: a label set is embedded once per process. */
const cache = new WeakMap<TextEncoder, Map<string, Promise<LabelSetEmbeddings>>>();

/**
 * Embed every prompt of every class (batched to the encoder's limit), then average each
 * class's prompt embeddings and normalise, as CONCH and PLIP build zero-shot classifiers.
 * Cached per encoder and label-set content.
 *
 * @example
 * const { classEmbeddings } = await embedLabelSet(textEncoder, catalog.get('crc-tissue-types'));
 */
export function embedLabelSet(textEncoder: TextEncoder, labelSet: LabelSet): Promise<LabelSetEmbeddings> {
  const key = createHash('sha256')
    .update(JSON.stringify([labelSet.id, labelSet.classes]))
    .digest('hex');
  let byContent = cache.get(textEncoder);
  if (!byContent) cache.set(textEncoder, (byContent = new Map()));
  const cached = byContent.get(key);
  if (cached) return cached;
  const embedding = computeLabelSetEmbeddings(textEncoder, labelSet);
  byContent.set(key, embedding);
  embedding.catch(() => byContent.delete(key));
  return embedding;
}

async function computeLabelSetEmbeddings(textEncoder: TextEncoder, labelSet: LabelSet): Promise<LabelSetEmbeddings> {
  const prompts = labelSet.classes.flatMap((labelClass) => labelClass.prompts);
  const promptEmbeddings: Float32Array[] = [];
  for (let start = 0; start < prompts.length; start += textEncoder.maxBatchSize) {
    promptEmbeddings.push(...(await textEncoder.embedTexts(prompts.slice(start, start + textEncoder.maxBatchSize))));
  }
  let next = 0;
  const classEmbeddings = labelSet.classes.map((labelClass) => {
    const sum = new Float32Array(textEncoder.embeddingDimension);
    for (let index = 0; index < labelClass.prompts.length; index++) {
      const promptEmbedding = promptEmbeddings[next++]!;
      for (let dimension = 0; dimension < sum.length; dimension++) sum[dimension]! += promptEmbedding[dimension]!;
    }
    return l2Normalise(sum);
  });
  return { labelSet, modelId: textEncoder.modelId, classEmbeddings };
}
