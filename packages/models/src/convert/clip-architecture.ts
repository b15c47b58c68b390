/** The feed-forward non-linearity: OpenAI CLIP's `quick_gelu` (x·σ(1.702x)) or the exact erf GELU. */
export type Activation = 'quick_gelu' | 'gelu';

/** A pre-norm transformer stack, as both CLIP towers use. */
export interface TransformerShape {
  width: number;
  layers: number;
  heads: number;
  mlpWidth: number;
  activation: Activation;
  layerNormEpsilon: number;
}

/**
 * A CLIP model's dimensions, read from a Hugging Face `config.json` or an open_clip config,
 * from which both ONNX graphs are built.
 */
export interface ClipArchitecture {
  vision: TransformerShape & { imageSizePx: number; patchSizePx: number };
  text: TransformerShape & {
    vocabularySize: number;
    /** Longest token sequence (positions learned). */
    contextLength: number;
    /** The end-of-text token id; the text embedding is read at its first occurrence. */
    endTokenId: number;
  };
  /** Width of the shared image-text embedding space. */
  projectionDim: number;
  /** exp(logit_scale) of the checkpoint (similarity temperature), recorded in config.json. */
  logitScale: number;
  /** Preprocessing the model was trained with. */
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

/** A linear layer as the graph uses it: `weight` is [inputs, outputs] (already transposed from PyTorch's [out, in]). */
export interface LinearWeights {
  weight: Float32Array;
  bias?: Float32Array;
}

export interface NormWeights {
  weight: Float32Array;
  bias: Float32Array;
}

export interface TransformerLayerWeights {
  norm1: NormWeights;
  query: LinearWeights;
  key: LinearWeights;
  value: LinearWeights;
  output: LinearWeights;
  norm2: NormWeights;
  fc1: LinearWeights;
  fc2: LinearWeights;
}

export interface VisionTowerWeights {
  /** Convolution kernel [width, 3, patch, patch], no bias. */
  patchEmbedding: Float32Array;
  classEmbedding: Float32Array;
  /** [patches + 1, width] */
  positionEmbedding: Float32Array;
  preNorm: NormWeights;
  layers: TransformerLayerWeights[];
  postNorm: NormWeights;
  /** [width, projectionDim] */
  projection: Float32Array;
}

export interface TextTowerWeights {
  /** [vocabularySize, width] */
  tokenEmbedding: Float32Array;
  /** [contextLength, width] */
  positionEmbedding: Float32Array;
  layers: TransformerLayerWeights[];
  finalNorm: NormWeights;
  /** [width, projectionDim] */
  projection: Float32Array;
}

/** Both towers' weights in the layout the graph builder takes, whatever the checkpoint's key names were. */
export interface ClipWeights {
  vision: VisionTowerWeights;
  text: TextTowerWeights;
}

/** A checkpoint read and mapped: what `buildClipOnnxFiles` needs. */
export interface LoadedClipCheckpoint {
  /** `huggingface` (transformers CLIPModel keys) or `open_clip` (OpenAI-style keys). */
  format: 'huggingface' | 'open_clip';
  architecture: ClipArchitecture;
  weights: ClipWeights;
}

export const openAiClipImageMean: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const openAiClipImageStd: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/** PyTorch's row-major [rows, columns] → [columns, rows]. */
export function transposeMatrix(values: Float32Array, rows: number, columns: number): Float32Array {
  const transposed = new Float32Array(values.length);
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) transposed[column * rows + row] = values[row * columns + column]!;
  }
  return transposed;
}
