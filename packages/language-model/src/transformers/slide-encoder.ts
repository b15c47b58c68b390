import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import * as ort from 'onnxruntime-node';
import type { SlideEmbeddingInput } from '../language-model.ts';

/** The `pathlens.slide_encoder` key of a chat model's `config.json` (models/README.md defines it). */
export interface SlideEncoderConfig {
  file: string;
  patch_encoder_id: string;
  patch_embedding_dimension: number;
  max_patches: number;
  slide_token_count: number;
  uses_coordinates: boolean;
  placeholder: string;
}

/** Slide tokens for one request: K rows of the decoder's hidden size. */
export interface SlideTokens {
  values: Float32Array;
  tokenCount: number;
  hiddenSize: number;
}

/**
 * A SlideChat-style slide encoder shipped in a chat model folder: the slide's stored patch
 * embeddings [1, N, D] (and level-0 coordinates [1, N, 2] when it uses them) →
 * `slide_embeddings` [1, K, hidden], merged into the decoder's input embeddings at `<slide>`.
 */
export class SlideEncoder {
  private constructor(
    readonly config: SlideEncoderConfig,
    private readonly session: ort.InferenceSession,
  ) {}

  static async load(modelFolder: string, config: SlideEncoderConfig): Promise<SlideEncoder> {
    const session = await ort.InferenceSession.create(path.join(modelFolder, config.file), { intraOpNumThreads: 1 });
    return new SlideEncoder(config, session);
  }

  /** Refuses embeddings from another patch encoder; samples slides with more than `max_patches` patches evenly. */
  async encode(input: SlideEmbeddingInput): Promise<SlideTokens> {
    if (input.encoderId !== this.config.patch_encoder_id || input.dimension !== this.config.patch_embedding_dimension) {
      throw new PathLensError(
        'model_mismatch',
        `The chat model's slide encoder takes ${this.config.patch_embedding_dimension}-d patch embeddings from ${this.config.patch_encoder_id}, ` +
          `but this slide was embedded by ${input.encoderId} (${input.dimension}-d). Re-ingest the slide with IMAGE_ENCODER=${this.config.patch_encoder_id}, ` +
          'or choose a chat model whose slide encoder matches the image encoder.',
        { expectedEncoderId: this.config.patch_encoder_id, slideEncoderId: input.encoderId },
      );
    }
    const patchCount = input.patchEmbeddings.length / input.dimension;
    if (patchCount < 1)
      throw new PathLensError('slide_not_ready', 'The slide has no stored patch embeddings to encode.');
    const rows = evenlySpacedRows(patchCount, this.config.max_patches);
    const embeddings = new Float32Array(rows.length * input.dimension);
    rows.forEach((row, index) =>
      embeddings.set(
        input.patchEmbeddings.subarray(row * input.dimension, (row + 1) * input.dimension),
        index * input.dimension,
      ),
    );
    const feeds: Record<string, ort.Tensor> = {
      patch_embeddings: new ort.Tensor('float32', embeddings, [1, rows.length, input.dimension]),
    };
    if (this.config.uses_coordinates) {
      if (!input.patchCoordinatesLevel0)
        throw new PathLensError('invalid_request', 'This slide encoder needs patch coordinates, and none were given.');
      const coordinates = new Float32Array(rows.length * 2);
      rows.forEach((row, index) =>
        coordinates.set(input.patchCoordinatesLevel0!.subarray(row * 2, row * 2 + 2), index * 2),
      );
      feeds.patch_coordinates_level0 = new ort.Tensor('float32', coordinates, [1, rows.length, 2]);
    }
    const output = (await this.session.run(feeds)).slide_embeddings;
    if (!output) throw new PathLensError('invalid_config', `${this.config.file} has no slide_embeddings output.`);
    const [, tokenCount, hiddenSize] = output.dims as number[];
    return { values: output.data as Float32Array, tokenCount: tokenCount!, hiddenSize: hiddenSize! };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** `count` row indices spread evenly over `total` (all rows when there are few enough). */
export function evenlySpacedRows(total: number, count: number): number[] {
  if (total <= count) return Array.from({ length: total }, (_, index) => index);
  return Array.from({ length: count }, (_, index) => Math.floor(((index + 0.5) * total) / count));
}
