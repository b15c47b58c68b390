import type { SerialisedError } from '@pathlens/core';
import type { RgbPixels } from '../image-encoder.ts';
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

/** Images travel as one packed buffer (transferred, not copied) and their sizes. */
export interface PackedImages {
  pixels: ArrayBuffer;
  sizes: { widthPx: number; heightPx: number }[];
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

/**
 * Copy images into one fresh buffer that can be transferred: the callers' own buffers are
 * never detached (a sharp output may be a view into a shared pool).
 */
export function packImages(images: RgbPixels[]): PackedImages {
  const totalBytes = images.reduce((sum, image) => sum + image.data.byteLength, 0);
  const pixels = new ArrayBuffer(totalBytes);
  const view = new Uint8Array(pixels);
  let offset = 0;
  for (const image of images) {
    view.set(image.data, offset);
    offset += image.data.byteLength;
  }
  return { pixels, sizes: images.map(({ widthPx, heightPx }) => ({ widthPx, heightPx })) };
}

export function unpackImages(packed: PackedImages): RgbPixels[] {
  let offset = 0;
  return packed.sizes.map(({ widthPx, heightPx }) => {
    const byteLength = widthPx * heightPx * 3;
    const data = new Uint8Array(packed.pixels, offset, byteLength);
    offset += byteLength;
    return { data, widthPx, heightPx };
  });
}

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
