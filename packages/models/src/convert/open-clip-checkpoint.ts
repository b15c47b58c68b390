import { PathLensError } from '@pathlens/core';
import {
  openAiClipImageMean,
  openAiClipImageStd,
  transposeMatrix,
  type ClipArchitecture,
  type LoadedClipCheckpoint,
  type TransformerLayerWeights,
  type TransformerShape,
} from './clip-architecture.ts';
import { weightReaders, type CheckpointTensors } from './checkpoint-tensors.ts';

interface OpenClipVisionConfig {
  image_size?: number;
  layers?: number;
  width?: number;
  head_width?: number;
  mlp_ratio?: number;
  patch_size?: number;
  [option: string]: unknown;
}

interface OpenClipTextConfig {
  context_length?: number;
  vocab_size?: number;
  width?: number;
  heads?: number;
  layers?: number;
  mlp_ratio?: number;
  [option: string]: unknown;
}

interface OpenClipModelConfig {
  embed_dim?: number;
  quick_gelu?: boolean;
  vision_cfg?: OpenClipVisionConfig;
  text_cfg?: OpenClipTextConfig;
  [option: string]: unknown;
}

/** `open_clip_config.json` as the hub serves it (`model_cfg` + `preprocess_cfg`), or a bare open_clip model config. */
export interface OpenClipConfig extends OpenClipModelConfig {
  model_cfg?: OpenClipModelConfig;
  preprocess_cfg?: { mean?: [number, number, number]; std?: [number, number, number] };
}

/** open_clip options that change the architecture away from OpenAI's ViT, with the reason each is refused. */
const unsupportedOptions: Record<string, string> = {
  multimodal_cfg: 'a CoCa model (a captioning decoder beside the encoders, as CONCH has)',
  timm_model_name: 'a timm image tower',
  hf_model_name: 'a Hugging Face text tower',
  attentional_pool: 'attentional pooling',
  global_average_pool: 'average pooling of the image tokens',
  ls_init_value: 'layer scale',
  no_ln_pre: 'no pre-norm',
  final_ln_after_pool: 'a final norm after pooling',
  proj_bias: 'projection biases',
  pool_type: 'a non-default pooling type',
  output_tokens: 'token outputs',
  embed_cls: 'an extra class token in the text tower',
  pad_id: 'a padding id other than 0',
  norm_kwargs: 'custom norm settings',
  act_kwargs: 'custom activation settings',
};
const defaultValues: Record<string, unknown> = {
  attentional_pool: false,
  global_average_pool: false,
  no_ln_pre: false,
  final_ln_after_pool: false,
  proj_bias: false,
  output_tokens: false,
  embed_cls: false,
  pad_id: 0,
  ls_init_value: null,
};

/**
 * Maps an open_clip ViT checkpoint (OpenAI-style keys: `visual.conv1.weight`,
 * `transformer.resblocks.N.attn.in_proj_weight`, `text_projection`, …; QuiltNet-B-32's layout)
 * onto the converter's weights, checking every shape against the open_clip config.
 */
export function readOpenClip(
  config: OpenClipConfig,
  tensors: CheckpointTensors,
  endTokenId: number,
): LoadedClipCheckpoint {
  const modelConfig = config.model_cfg ?? config;
  const visionConfig = modelConfig.vision_cfg ?? {};
  const textConfig = modelConfig.text_cfg ?? {};
  for (const [where, options] of [
    ['model_cfg', modelConfig],
    ['vision_cfg', visionConfig],
    ['text_cfg', textConfig],
  ] as const) {
    for (const [option, reason] of Object.entries(unsupportedOptions)) {
      const value = (options as Record<string, unknown>)[option];
      if (
        value === undefined ||
        value === defaultValues[option] ||
        (option === 'pool_type' && (value === 'tok' || value === 'argmax'))
      )
        continue;
      throw new PathLensError(
        'unsupported_format',
        `The open_clip config sets ${where}.${option}: ${reason}. The converter builds OpenAI-style CLIP ViTs only (PLIP, QuiltNet-B-32); this model needs another exporter.`,
        { option: `${where}.${option}` },
      );
    }
  }
  const activation = modelConfig.quick_gelu ? 'quick_gelu' : 'gelu';
  const visionWidth = visionConfig.width ?? 768;
  const vision = {
    width: visionWidth,
    layers: visionConfig.layers ?? 12,
    heads: visionWidth / (visionConfig.head_width ?? 64),
    mlpWidth: Math.round(visionWidth * (visionConfig.mlp_ratio ?? 4)),
    activation,
    layerNormEpsilon: 1e-5,
    imageSizePx: visionConfig.image_size ?? 224,
    patchSizePx: visionConfig.patch_size ?? 32,
  } as const;
  const textWidth = textConfig.width ?? 512;
  const text = {
    width: textWidth,
    layers: textConfig.layers ?? 12,
    heads: textConfig.heads ?? 8,
    mlpWidth: Math.round(textWidth * (textConfig.mlp_ratio ?? 4)),
    activation,
    layerNormEpsilon: 1e-5,
    vocabularySize: textConfig.vocab_size ?? 49408,
    contextLength: textConfig.context_length ?? 77,
    endTokenId,
  } as const;
  const projectionDim = modelConfig.embed_dim ?? 512;
  const architecture: ClipArchitecture = {
    vision,
    text,
    projectionDim,
    logitScale: Math.exp(tensors.has('logit_scale') ? tensors.get('logit_scale').values[0]! : Math.log(1 / 0.07)),
    imageMean: config.preprocess_cfg?.mean ?? openAiClipImageMean,
    imageStd: config.preprocess_cfg?.std ?? openAiClipImageStd,
  };
  const gridSide = Math.floor(vision.imageSizePx / vision.patchSizePx);
  const { vector, norm, linear } = weightReaders(tensors);
  const layers = (prefix: string, shape: TransformerShape): TransformerLayerWeights[] =>
    Array.from({ length: shape.layers }, (_, index) => {
      const name = `${prefix}transformer.resblocks.${index}`;
      const { width, mlpWidth } = shape;
      // nn.MultiheadAttention keeps query, key and value stacked: rows [0, w), [w, 2w), [2w, 3w).
      const inWeight = tensors.get(`${name}.attn.in_proj_weight`, [3 * width, width]).values;
      const inBias = vector(`${name}.attn.in_proj_bias`, 3 * width);
      const part = (index: number) => ({
        weight: transposeMatrix(inWeight.subarray(index * width * width, (index + 1) * width * width), width, width),
        bias: inBias.slice(index * width, (index + 1) * width),
      });
      return {
        norm1: norm(`${name}.ln_1`, width),
        query: part(0),
        key: part(1),
        value: part(2),
        output: linear(`${name}.attn.out_proj`, width, width),
        norm2: norm(`${name}.ln_2`, width),
        fc1: linear(`${name}.mlp.c_fc`, mlpWidth, width),
        fc2: linear(`${name}.mlp.c_proj`, width, mlpWidth),
      };
    });

  return {
    format: 'open_clip',
    architecture,
    weights: {
      vision: {
        patchEmbedding: tensors.get('visual.conv1.weight', [vision.width, 3, vision.patchSizePx, vision.patchSizePx])
          .values,
        classEmbedding: vector('visual.class_embedding', vision.width),
        positionEmbedding: tensors.get('visual.positional_embedding', [gridSide * gridSide + 1, vision.width]).values,
        preNorm: norm('visual.ln_pre', vision.width),
        layers: layers('visual.', vision),
        postNorm: norm('visual.ln_post', vision.width),
        // open_clip multiplies by these directly (x @ proj): already [width, projectionDim].
        projection: tensors.get('visual.proj', [vision.width, projectionDim]).values,
      },
      text: {
        tokenEmbedding: tensors.get('token_embedding.weight', [text.vocabularySize, text.width]).values,
        positionEmbedding: tensors.get('positional_embedding', [text.contextLength, text.width]).values,
        layers: layers('', text),
        finalNorm: norm('ln_final', text.width),
        projection: tensors.get('text_projection', [text.width, projectionDim]).values,
      },
    },
  };
}
