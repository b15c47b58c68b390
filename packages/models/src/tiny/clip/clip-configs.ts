import { clipImageMean, clipImageStd, tinyClipInputSizePx } from './clip-weights.ts';

/** `config.json` of the tiny CLIP: what transformers.js reads to pick `CLIPModel` classes. */
export function tinyClipConfig(options: {
  embeddingDimension: number;
  vocabularySize: number;
  startTokenId: number;
  endTokenId: number;
}) {
  return {
    _name_or_path: 'pathlens/tiny-clip',
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: options.embeddingDimension,
    logit_scale_init_value: 2.6592,
    initializer_factor: 1.0,
    text_config: {
      model_type: 'clip_text_model',
      vocab_size: options.vocabularySize,
      hidden_size: options.embeddingDimension,
      projection_dim: options.embeddingDimension,
      max_position_embeddings: 77,
      num_hidden_layers: 1,
      num_attention_heads: 1,
      bos_token_id: options.startTokenId,
      eos_token_id: options.endTokenId,
      pad_token_id: options.endTokenId,
    },
    vision_config: {
      model_type: 'clip_vision_model',
      hidden_size: options.embeddingDimension,
      projection_dim: options.embeddingDimension,
      image_size: tinyClipInputSizePx,
      patch_size: 32,
      num_channels: 3,
      num_hidden_layers: 1,
      num_attention_heads: 1,
    },
    torch_dtype: 'float32',
    transformers_version: '4.46.0',
  };
}

/** `preprocessor_config.json`: resize shortest edge to 224, centre-crop 224², rescale 1/255, CLIP mean/std. */
export function tinyClipPreprocessorConfig() {
  return {
    image_processor_type: 'CLIPImageProcessor',
    feature_extractor_type: 'CLIPFeatureExtractor',
    processor_class: 'CLIPProcessor',
    do_resize: true,
    size: { shortest_edge: tinyClipInputSizePx },
    resample: 3,
    do_center_crop: true,
    crop_size: { height: tinyClipInputSizePx, width: tinyClipInputSizePx },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [...clipImageMean],
    image_std: [...clipImageStd],
    do_convert_rgb: true,
  };
}
