import type { PackedImages, SerialisedError } from '@pathlens/core';
import type { ClipLoadOptions } from '../clip/clip-load-options.ts';

/** What the thread loads: the image or the text tower of a CLIP model. */
export interface EncoderThreadData {
  tower: 'image' | 'text';
  load: ClipLoadOptions;
}

/** The loaded encoder's declared limits, sent once when the thread is ready. */
export interface EncoderThreadLimits {
  modelId: string;
  embeddingDimension: number;
  maxBatchSize: number;
  /** Image tower only. */
  inputSizePx?: number;
  /** Text tower only. */
  maxTokens?: number;
}

export type EncoderThreadRequest =
  | { type: 'embed-images'; id: number; images: PackedImages }
  | { type: 'embed-texts'; id: number; texts: string[] }
  | { type: 'dispose' };

export type EncoderThreadReply =
  | { type: 'ready'; limits: EncoderThreadLimits }
  | { type: 'load-failed'; error: SerialisedError }
  | { type: 'embedded'; id: number; embeddings: ArrayBuffer; count: number; dimension: number }
  | { type: 'failed'; id: number; error: SerialisedError };

/** Embeddings back as one transferable buffer, `count` rows of `dimension`. */
export function packEmbeddings(embeddings: Float32Array[]): {
  embeddings: ArrayBuffer;
  count: number;
  dimension: number;
} {
  const dimension = embeddings[0]?.length ?? 0;
  const packed = new Float32Array(embeddings.length * dimension);
  embeddings.forEach((embedding, row) => packed.set(embedding, row * dimension));
  return { embeddings: packed.buffer, count: embeddings.length, dimension };
}

export function unpackEmbeddings(reply: { embeddings: ArrayBuffer; count: number; dimension: number }): Float32Array[] {
  return Array.from(
    { length: reply.count },
    (_, row) => new Float32Array(reply.embeddings, row * reply.dimension * 4, reply.dimension),
  );
}
