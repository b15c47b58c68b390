import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CLIPVisionModelWithProjection, Tensor, type PreTrainedModel } from '@huggingface/transformers';
import type { ImageEncoder, RgbPixels } from '../image-encoder.ts';
import { normalisedRows } from '../l2-normalise.ts';
import { clipSessionOptions, type ClipLoadOptions } from './clip-load-options.ts';
import { clipPreprocessingFromConfig, toPixelValues, type ClipPreprocessing } from './clip-preprocessing.ts';
import { useLocalModels } from './transformers-environment.ts';

/** A CLIP-family vision tower (`onnx/vision_model*.onnx`) through transformers.js. */
export class ClipImageEncoder implements ImageEncoder {
  private constructor(
    readonly modelId: string,
    readonly embeddingDimension: number,
    readonly maxBatchSize: number,
    private readonly preprocessing: ClipPreprocessing,
    private readonly model: PreTrainedModel,
  ) {}

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
    const preprocessorConfig = JSON.parse(await readFile(path.join(folder, 'preprocessor_config.json'), 'utf8')) as Record<string, unknown>;
    const config = JSON.parse(await readFile(path.join(folder, 'config.json'), 'utf8')) as { projection_dim?: number };
    const model = await CLIPVisionModelWithProjection.from_pretrained(options.modelId, {
      dtype: (options.dtype ?? 'fp32') as 'fp32',
      local_files_only: true,
      session_options: clipSessionOptions(options),
    });
    return new ClipImageEncoder(options.modelId, config.projection_dim ?? 512, options.maxBatchSize ?? 64, clipPreprocessingFromConfig(preprocessorConfig), model);
  }

  async embedImages(images: RgbPixels[]): Promise<Float32Array[]> {
    if (images.length === 0) return [];
    const sizePx = this.preprocessing.inputSizePx;
    const pixelValues = new Tensor('float32', await toPixelValues(images, this.preprocessing), [images.length, 3, sizePx, sizePx]);
    const { image_embeds: embeddings } = (await this.model({ pixel_values: pixelValues })) as { image_embeds: Tensor };
    return normalisedRows(embeddings.data as Float32Array, images.length, embeddings.dims[1]!);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
