import type { ClipLoadOptions } from '../clip/clip-load-options.ts';
import type { TextEncoder } from '../text-encoder.ts';
import { EncoderThread } from './encoder-thread.ts';

/** A CLIP text tower and its tokenizer in a worker thread: the same embeddings as `ClipTextEncoder`, off the main
 * thread.
 */
export class WorkerThreadTextEncoder implements TextEncoder {
  private constructor(private readonly thread: EncoderThread) {}

  /**
   * @example
   * const encoder = await WorkerThreadTextEncoder.load({ modelsDir: './models', modelId: 'Xenova/clip-vit-base-patch32'
   * });
   */
  static async load(options: ClipLoadOptions): Promise<WorkerThreadTextEncoder> {
    return new WorkerThreadTextEncoder(await EncoderThread.start({ tower: 'text', load: options }));
  }

  get modelId(): string {
    return this.thread.limits.modelId;
  }

  get embeddingDimension(): number {
    return this.thread.limits.embeddingDimension;
  }

  get maxTokens(): number {
    return this.thread.limits.maxTokens!;
  }

  get maxBatchSize(): number {
    return this.thread.limits.maxBatchSize;
  }

  embedTexts(texts: string[]): Promise<Float32Array[]> {
    return this.thread.embedTexts(texts);
  }

  dispose(): Promise<void> {
    return this.thread.dispose();
  }
}
