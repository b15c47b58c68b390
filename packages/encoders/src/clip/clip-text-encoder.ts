import path from 'node:path';
import { readFile } from 'node:fs/promises';
import {
  AutoTokenizer,
  CLIPTextModelWithProjection,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import { normalisedRows } from '../l2-normalise.ts';
import type { TextEncoder } from '../text-encoder.ts';
import { clipSessionOptions, clipTowerDtype, type ClipLoadOptions } from './clip-load-options.ts';
import { useLocalModels } from './transformers-environment.ts';

/** A CLIP-family text tower (`onnx/text_model*.onnx`) and its tokenizer, through transformers.js. */
export class ClipTextEncoder implements TextEncoder {
  private constructor(
    readonly modelId: string,
    readonly embeddingDimension: number,
    readonly maxTokens: number,
    readonly maxBatchSize: number,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
  ) {}

  static async load(options: ClipLoadOptions): Promise<ClipTextEncoder> {
    useLocalModels(options.modelsDir);
    const config = JSON.parse(await readFile(path.join(options.modelsDir, options.modelId, 'config.json'), 'utf8')) as {
      projection_dim?: number;
    };
    const tokenizer = await AutoTokenizer.from_pretrained(options.modelId, { local_files_only: true });
    const dtype = await clipTowerDtype(options, 'text_model');
    const model = await CLIPTextModelWithProjection.from_pretrained(options.modelId, {
      dtype,
      local_files_only: true,
      session_options: clipSessionOptions(options),
    });
    const maxTokens = Math.min(tokenizer.model_max_length ?? 77, 77);
    return new ClipTextEncoder(
      options.modelId,
      config.projection_dim ?? 512,
      maxTokens,
      options.maxBatchSize ?? 64,
      tokenizer,
      model,
    );
  }

  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    const inputs = this.tokenizer(texts, { padding: true, truncation: true, max_length: this.maxTokens });
    const { text_embeds: embeddings } = (await this.model(inputs)) as { text_embeds: Tensor };
    return normalisedRows(embeddings.data as Float32Array, texts.length, embeddings.dims[1]!);
  }

  async dispose(): Promise<void> {
    await this.model.dispose();
  }
}
