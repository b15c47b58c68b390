import { PathLensError } from '@pathlens/core';
import {
  openAiClipImageMean,
  openAiClipImageStd,
  type Activation,
  type ClipArchitecture,
  type LoadedClipCheckpoint,
  type TransformerLayerWeights,
  type TransformerShape,
} from './clip-architecture.ts';
import { weightReaders, type CheckpointTensors } from './checkpoint-tensors.ts';

/** The fields of a transformers `CLIPConfig` the converter reads; missing ones take transformers' defaults. */
interface HuggingFaceTowerConfig {
  hidden_size?: number;
  intermediate_size?: number;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  hidden_act?: string;
  layer_norm_eps?: number;
  image_size?: number;
  patch_size?: number;
  vocab_size?: number;
  max_position_embeddings?: number;
}

export interface HuggingFaceClipConfig {
  model_type?: string;
  projection_dim?: number;
  logit_scale_init_value?: number;
  text_config?: HuggingFaceTowerConfig;
  vision_config?: HuggingFaceTowerConfig;
}

/**
 * Maps a transformers `CLIPModel` state dict (the layout of `vinid/plip`'s `model.safetensors`)
 * onto the converter's weights, checking every shape against `config.json`.
 */
export function readHuggingFaceClip(
  config: HuggingFaceClipConfig,
  tensors: CheckpointTensors,
  preprocessing: { imageMean?: [number, number, number]; imageStd?: [number, number, number] },
  endTokenId: number,
): LoadedClipCheckpoint {
  if (config.model_type !== 'clip') {
    throw new PathLensError(
      'unsupported_format',
      `config.json has model_type "${config.model_type}"; only CLIP checkpoints ("clip", e.g. vinid/plip) are converted.`,
      { modelType: config.model_type },
    );
  }
  const visionConfig = config.vision_config ?? {};
  const textConfig = config.text_config ?? {};
  const vision = {
    ...towerShape(visionConfig, { width: 768, layers: 12, heads: 12, mlpWidth: 3072 }),
    imageSizePx: visionConfig.image_size ?? 224,
    patchSizePx: visionConfig.patch_size ?? 32,
  };
  const text = {
    ...towerShape(textConfig, { width: 512, layers: 12, heads: 8, mlpWidth: 2048 }),
    vocabularySize: textConfig.vocab_size ?? 49408,
    contextLength: textConfig.max_position_embeddings ?? 77,
    endTokenId,
  };
  const logitScaleTensor = tensors.has('logit_scale') ? tensors.get('logit_scale').values[0] : undefined;
  const architecture: ClipArchitecture = {
    vision,
    text,
    projectionDim: config.projection_dim ?? 512,
    logitScale: Math.exp(logitScaleTensor ?? config.logit_scale_init_value ?? 2.6592),
    imageMean: preprocessing.imageMean ?? openAiClipImageMean,
    imageStd: preprocessing.imageStd ?? openAiClipImageStd,
  };
  const { projectionDim } = architecture;
  const gridSide = Math.floor(vision.imageSizePx / vision.patchSizePx);
  const { vector, matrix, norm, linear } = weightReaders(tensors);
  const layers = (prefix: string, shape: TransformerShape): TransformerLayerWeights[] =>
    Array.from({ length: shape.layers }, (_, index) => {
      const name = `${prefix}.encoder.layers.${index}`;
      const { width, mlpWidth } = shape;
      return {
        norm1: norm(`${name}.layer_norm1`, width),
        query: linear(`${name}.self_attn.q_proj`, width, width),
        key: linear(`${name}.self_attn.k_proj`, width, width),
        value: linear(`${name}.self_attn.v_proj`, width, width),
        output: linear(`${name}.self_attn.out_proj`, width, width),
        norm2: norm(`${name}.layer_norm2`, width),
        fc1: linear(`${name}.mlp.fc1`, mlpWidth, width),
        fc2: linear(`${name}.mlp.fc2`, width, mlpWidth),
      };
    });

  return {
    format: 'huggingface',
    architecture,
    weights: {
      vision: {
        patchEmbedding: tensors.get('vision_model.embeddings.patch_embedding.weight', [
          vision.width,
          3,
          vision.patchSizePx,
          vision.patchSizePx,
        ]).values,
        classEmbedding: vector('vision_model.embeddings.class_embedding', vision.width),
        positionEmbedding: tensors.get('vision_model.embeddings.position_embedding.weight', [
          gridSide * gridSide + 1,
          vision.width,
        ]).values,
        // "layrnorm" is transformers' own spelling of this key.
        preNorm: norm('vision_model.pre_layrnorm', vision.width),
        layers: layers('vision_model', vision),
        postNorm: norm('vision_model.post_layernorm', vision.width),
        projection: matrix('visual_projection.weight', projectionDim, vision.width),
      },
      text: {
        tokenEmbedding: tensors.get('text_model.embeddings.token_embedding.weight', [text.vocabularySize, text.width])
          .values,
        positionEmbedding: tensors.get('text_model.embeddings.position_embedding.weight', [
          text.contextLength,
          text.width,
        ]).values,
        layers: layers('text_model', text),
        finalNorm: norm('text_model.final_layer_norm', text.width),
        projection: matrix('text_projection.weight', projectionDim, text.width),
      },
    },
  };
}

function towerShape(
  config: HuggingFaceTowerConfig,
  defaults: { width: number; layers: number; heads: number; mlpWidth: number },
): TransformerShape {
  return {
    width: config.hidden_size ?? defaults.width,
    layers: config.num_hidden_layers ?? defaults.layers,
    heads: config.num_attention_heads ?? defaults.heads,
    mlpWidth: config.intermediate_size ?? defaults.mlpWidth,
    activation: activationNamed(config.hidden_act ?? 'quick_gelu'),
    layerNormEpsilon: config.layer_norm_eps ?? 1e-5,
  };
}

function activationNamed(name: string): Activation {
  if (name === 'quick_gelu' || name === 'gelu') return name;
  throw new PathLensError(
    'unsupported_format',
    `config.json uses hidden_act "${name}"; the converter builds "quick_gelu" and "gelu" CLIP models only.`,
    { activation: name },
  );
}
