import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLIPVisionModelWithProjection, Tensor, type PreTrainedModel } from '@huggingface/transformers';
import type { ImageEncoder, RgbPixels } from '../image-encoder.ts';
import { normalisedRows } from '../l2-normalise.ts';
import { clipSessionOptions, clipTowerDtype, type ClipLoadOptions } from './clip-load-options.ts';
import {
  channelLookupTables,
  clipPreprocessingFromConfig,
  toPixelValues,
  type ClipPreprocessing,
} from './clip-preprocessing.ts';
import { useLocalModels } from './transformers-environment.ts';

/** A CLIP-family vision tower (`onnx/vision_model*.onnx`) through transformers.js. */
export class ClipImageEncoder implements ImageEncoder {
  /** One batch buffer, reused by every call (no 19 MB allocation per batch of 32); a concurrent call gets its own. */
  #batchBuffer: Float32Array | null = null;
  #batchBufferInUse = false;
  readonly #lookupTables: [Float32Array, Float32Array, Float32Array];

  private constructor(
    readonly modelId: string,
    readonly embeddingDimension: number,
    readonly maxBatchSize: number,
    private readonly preprocessing: ClipPreprocessing,
    private readonly model: PreTrainedModel,
  ) {
    this.#lookupTables = channelLookupTables(preprocessing);
  }

  get inputSizePx(): number {
    return this.preprocessing.inputSizePx;
  }

  /**
   * @example
   * const encoder = await ClipImageEncoder.load({ modelsDir: './models', modelId: 'Xenova/clip-vit-base-patch32' });
   */
  static async load(options: ClipLoadOptions): Promise<ClipImageEncoder> {
    useLocalModels(options.modelsDir);
    const folder = path.join(options.modelsDir, options.modelId);
    const preprocessorConfig = JSON.parse(
      await readFile(path.join(folder, 'preprocessor_config.json'), 'utf8'),
    ) as Record<string, unknown>;
    const config = JSON.parse(await readFile(path.join(folder, 'config.json'), 'utf8')) as { projection_dim?: number };
    const dtype = await clipTowerDtype(options, 'vision_model');
    const model = await CLIPVisionModelWithProjection.from_pretrained(options.modelId, {
      dtype,
      local_files_only: true,
      session_options: clipSessionOptions(options),
    });
    return new ClipImageEncoder(
      options.modelId,
      config.projection_dim ?? 512,
      options.maxBatchSize ?? 64,
      clipPreprocessingFromConfig(preprocessorConfig),
      model,
    );
  }

  async embedImages(images: RgbPixels[]): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const sizePx = this.preprocessing.inputSizePx;
    const ownsBuffer = !this.#batchBufferInUse;
    if (ownsBuffer) this.#batchBufferInUse = true;
    try {
      const target = ownsBuffer ? this.#reusableBuffer(images.length * 3 * sizePx * sizePx) : undefined;
      const values = await toPixelValues(images, this.preprocessing, {
        lookupTables: this.#lookupTables,
        ...(target ? { target } : {}),
      });
      const pixelValues = new Tensor('float32', values, [images.length, 3, sizePx, sizePx]);
      const { image_embeds: embeddings } = (await this.model({ pixel_values: pixelValues })) as {
        image_embeds: Tensor;
      };
      return normalisedRows(embeddings.data as Float32Array, images.length, embeddings.dims[1]!);
    } finally {
      if (ownsBuffer) this.#batchBufferInUse = false;
    }
  }

  /** The shared batch buffer, grown to the largest batch seen (at most `maxBatchSize` images). */
  #reusableBuffer(length: number): Float32Array {
    if (!this.#batchBuffer || this.#batchBuffer.length < length) this.#batchBuffer = new Float32Array(length);
    return this.#batchBuffer;
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
