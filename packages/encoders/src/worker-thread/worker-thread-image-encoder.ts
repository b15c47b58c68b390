import type { ClipLoadOptions } from '../clip/clip-load-options.ts';
import type { ImageEncoder, RgbPixels } from '../image-encoder.ts';
import { EncoderThread } from './encoder-thread.ts';

/**
 * A CLIP image tower running in a worker thread: the same embeddings as `ClipImageEncoder`,
 * but resizing, normalising and ONNX inference happen off the main thread, so HTTP requests,
 * timers (job heartbeats) and slide reading go on while a batch encodes.
 */
export class WorkerThreadImageEncoder implements ImageEncoder {
  private constructor(private readonly thread: EncoderThread) {}

  /**
   * @example
   * const encoder = await WorkerThreadImageEncoder.load({ modelsDir: './models', modelId:
   * 'Xenova/clip-vit-base-patch32' });
   * const [embedding] = await encoder.embedImages([{ data, widthPx: 224, heightPx: 224 }]);
   * await encoder.dispose(); // ends the thread
   */
  static async load(options: ClipLoadOptions): Promise<WorkerThreadImageEncoder> {
    return new WorkerThreadImageEncoder(await EncoderThread.start({ tower: 'image', load: options }));
  }

  get modelId(): string {
    return this.thread.limits.modelId;
  }

  get embeddingDimension(): number {
    return this.thread.limits.embeddingDimension;
  }

  get inputSizePx(): number {
    return this.thread.limits.inputSizePx!;
  }

  get maxBatchSize(): number {
    return this.thread.limits.maxBatchSize;
  }

  /** The pixels are copied to the thread; the caller's buffers stay usable. */
  embedImages(images: RgbPixels[]): Promise<Float32Array[]> {
    return this.thread.embedImages(images);
  }

  dispose(): Promise<void> {
    return this.thread.dispose();
  }
}
