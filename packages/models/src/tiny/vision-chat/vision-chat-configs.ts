import type { SlideEncoderConfig } from '@pathlens/language-model';
import type { TinyChatTokenIds } from '../chat/chat-configs.ts';
import { tinyVisionAttention } from './vision-decoder-graph.ts';
import { tinyVisionImageSizePx, tinyVisionPatchSizePx, type VisionChatLayout } from './vision-chat-layout.ts';

export const imageToken = '<image>';
export const slideToken = '<slide>';

/** LLaVA `config.json`: transformers.js reads the decoder's cache shape from `text_config`. */
export function tinyVisionChatConfig(
  layout: VisionChatLayout,
  tokenIds: TinyChatTokenIds & { imageTokenId: number; slideTokenId: number },
  slideEncoder: SlideEncoderConfig,
) {
  return {
    _name_or_path: 'pathlens/tiny-vlm',
    architectures: ['LlavaForConditionalGeneration'],
    model_type: 'llava',
    image_token_index: tokenIds.imageTokenId,
    projector_hidden_act: 'linear',
    vision_feature_select_strategy: 'full',
    vision_feature_layer: -1,
    text_config: {
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      hidden_size: layout.hiddenSize,
      intermediate_size: layout.hiddenSize,
      num_hidden_layers: tinyVisionAttention.layerCount,
      num_attention_heads: tinyVisionAttention.attentionHeadCount,
      num_key_value_heads: tinyVisionAttention.keyValueHeadCount,
      head_dim: tinyVisionAttention.headDimension,
      max_position_embeddings: 4096,
      vocab_size: tokenIds.vocabularySize,
      bos_token_id: tokenIds.bosTokenId,
      eos_token_id: tokenIds.eosTokenIds[0],
      pad_token_id: tokenIds.padTokenId,
    },
    vision_config: {
      model_type: 'clip_vision_model',
      image_size: tinyVisionImageSizePx,
      patch_size: tinyVisionPatchSizePx,
      hidden_size: 2,
    },
    eos_token_id: tokenIds.eosTokenIds[0],
    pad_token_id: tokenIds.padTokenId,
    pathlens: { slide_encoder: slideEncoder, slide_token_id: tokenIds.slideTokenId },
    torch_dtype: 'float32',
    transformers_version: '4.46.0',
  };
}

/** `preprocessor_config.json`: resize and crop to 224, rescale to [0, 1], no mean/std shift. */
export function tinyVisionPreprocessorConfig() {
  return {
    processor_class: 'LlavaProcessor',
    image_processor_type: 'CLIPImageProcessor',
    do_resize: true,
    size: { shortest_edge: tinyVisionImageSizePx },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: tinyVisionImageSizePx, width: tinyVisionImageSizePx },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0, 0, 0],
    image_std: [1, 1, 1],
    do_convert_rgb: true,
  };
}

/** `processor_config.json`: `<image>` becomes (224 / 112)² = 4 tokens. */
export function tinyVisionProcessorConfig() {
  return {
    processor_class: 'LlavaProcessor',
    image_token: imageToken,
    patch_size: tinyVisionPatchSizePx,
    num_additional_image_tokens: 0,
    vision_feature_select_strategy: 'full',
  };
}
