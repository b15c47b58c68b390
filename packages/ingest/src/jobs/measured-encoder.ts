import type { ImageEncoder } from '@pathlens/encoders';

/** What one wrapped encoder did. */
export interface EncoderUsage {
  /** Images embedded (patches encoded). */
  images: number;
  /** `embedImages` calls (batches). */
  calls: number;
  /** Wall milliseconds spent inside `embedImages`, preprocessing included. */
  busyMs: number;
  /** `performance.now()` when the first call started and the last one ended; null before any call. */
  firstStartedMs: number | null;
  lastEndedMs: number | null;
}

/**
 * The same encoder, counting what goes through it: how many patches a job really encoded
 * (a resumed job encodes only what it had not stored) and how long the encoder was busy
 * (busy time / wall time says whether reading starves it).
 *
 * @example
 * const { encoder, usage } = measureEncoder(imageEncoder);
 * await ingestSlide({ store, imageEncoder: encoder, logger }, slide, options);
 * logger.info('done', { patchesEncoded: usage.images });
 */
export function measureEncoder(inner: ImageEncoder): { encoder: ImageEncoder; usage: EncoderUsage } {
  const usage: EncoderUsage = { images: 0, calls: 0, busyMs: 0, firstStartedMs: null, lastEndedMs: null };
  const encoder: ImageEncoder = {
    modelId: inner.modelId,
    embeddingDimension: inner.embeddingDimension,
    inputSizePx: inner.inputSizePx,
    maxBatchSize: inner.maxBatchSize,
    async embedImages(images) {
      const startedMs = performance.now();
      usage.firstStartedMs ??= startedMs;
      try {
        return await inner.embedImages(images);
      } finally {
        usage.lastEndedMs = performance.now();
        usage.busyMs += usage.lastEndedMs - startedMs;
        usage.calls += 1;
        usage.images += images.length;
      }
    },
    dispose: () => inner.dispose(),
  };
  return { encoder, usage };
}
