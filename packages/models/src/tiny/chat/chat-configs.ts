import { tinyChatAttention } from './chat-graph.ts';

export interface TinyChatTokenIds {
  vocabularySize: number;
  bosTokenId: number | null;
  /** End-of-sequence ids; the first is the one the corpus ends with. */
  eosTokenIds: number[];
  padTokenId: number;
}

/** Qwen2-style `config.json`: transformers.js reads the cache shape from these fields. */
export function tinyChatConfig(hiddenSize: number, tokenIds: TinyChatTokenIds) {
  return {
    _name_or_path: 'pathlens/tiny-chat',
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    hidden_size: hiddenSize,
    intermediate_size: hiddenSize,
    num_hidden_layers: tinyChatAttention.layerCount,
    num_attention_heads: tinyChatAttention.attentionHeadCount,
    num_key_value_heads: tinyChatAttention.keyValueHeadCount,
    head_dim: tinyChatAttention.headDimension,
    hidden_act: 'silu',
    max_position_embeddings: 4096,
    rope_theta: tinyChatAttention.ropeTheta,
    rms_norm_eps: 1e-6,
    tie_word_embeddings: false,
    use_cache: true,
    vocab_size: tokenIds.vocabularySize,
    bos_token_id: tokenIds.bosTokenId,
    eos_token_id: tokenIds.eosTokenIds[0],
    pad_token_id: tokenIds.padTokenId,
    torch_dtype: 'float32',
    transformers_version: '4.46.0',
  };
}

/** `generation_config.json`: greedy by default, stops on any end id. */
export function tinyChatGenerationConfig(tokenIds: TinyChatTokenIds) {
  return {
    bos_token_id: tokenIds.bosTokenId,
    eos_token_id: tokenIds.eosTokenIds,
    pad_token_id: tokenIds.padTokenId,
    do_sample: false,
    transformers_version: '4.46.0',
  };
}
