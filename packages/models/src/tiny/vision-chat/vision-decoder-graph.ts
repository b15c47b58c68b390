import { addCausalPaddingBias } from '../../onnx/attention-mask.ts';
import { GraphBuilder } from '../../onnx/graph-builder.ts';
import { addKeyValueCacheInputs, addKeyValueCacheOutputs } from '../../onnx/key-value-cache.ts';
import type { BigramLanguageModel } from '../chat/bigram-language-model.ts';
import { openingBias, type VisionChatLayout } from './vision-chat-layout.ts';

/** The decoder's one attention layer: one head, one key/value head of width 8 (fixed, as transformers.js needs). */
export const tinyVisionAttention = {
  layerCount: 1,
  attentionHeadCount: 1,
  keyValueHeadCount: 1,
  headDimension: 8,
} as const;

/** Score of a picture or slide token against any query; text tokens score 0 (e^12 ≈ 160,000× more weight). */
const markerScore = 12;

/** First-token columns the stain pushes: + towards `hematoxylin`, − towards `eosin`. */
export interface DesignedOpenings {
  image: { hematoxylinColumn: number; eosinColumn: number };
  slide: { hematoxylinColumn: number; eosinColumn: number };
}

/**
 * `onnx/embed_tokens.onnx`: `input_ids` [batch, seq] → `inputs_embeds` [batch, seq, hidden],
 * the one-hot bigram state of each token (the designed slots stay 0 for text).
 */
export function buildEmbedTokensOnnx(
  bigram: BigramLanguageModel,
  vocabularySize: number,
  layout: VisionChatLayout,
): Uint8Array {
  const graph = new GraphBuilder('tiny_vlm_embed_tokens');
  graph.addInput('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const tokenToState = graph.addConstant('embed.token_to_state', bigram.tokenToState, [vocabularySize]);
  const state = graph.addNode('Gather', [tokenToState, 'input_ids'], undefined, { axis: 0 });
  const depth = graph.addIntegers('embed.hidden_size', [layout.hiddenSize], true);
  graph.addNode(
    'OneHot',
    [state, depth, graph.addConstant('embed.one_hot_values', new Float32Array([0, 1]), [2])],
    'inputs_embeds',
    { axis: -1 },
  );
  graph.addOutput('inputs_embeds', 'float32', ['batch_size', 'sequence_length', layout.hiddenSize]);
  return graph.toModelBytes();
}

/**
 * `onnx/decoder_model_merged.onnx` in the layout transformers.js runs for LLaVA-family decoders:
 * inputs `inputs_embeds` [batch, seq, hidden], `attention_mask` [batch, past + seq], `position_ids`,
 * `past_key_values.0.key/value` [batch, 1, past, 8]; outputs `logits` and `present.0.key/value`.
 *
 * One attention layer looks back over every visible token (through the cache on later steps):
 * picture and slide tokens have a high key, so its output is ≈ the mean picture stain and mean
 * slide stain of what the prompt showed (0 when nothing was shown). Logits are the bigram table
 * of the token's state plus, in the start state only, a push of `openingBias · stain` towards the
 * designed openings: a hematoxylin-dominated picture makes the answer open with the purple one,
 * an eosin-dominated picture with the pink one; slide tokens do the same for the slide answers.
 */
export function buildVisionDecoderOnnx(
  bigram: BigramLanguageModel,
  vocabularySize: number,
  layout: VisionChatLayout,
  openings: DesignedOpenings,
): Uint8Array {
  const { keyValueHeadCount, headDimension } = tinyVisionAttention;
  const graph = new GraphBuilder('tiny_vlm_decoder');
  graph.addInput('inputs_embeds', 'float32', ['batch_size', 'sequence_length', layout.hiddenSize]);
  graph.addInput('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  graph.addInput('position_ids', 'int64', ['batch_size', 'sequence_length']);
  addKeyValueCacheInputs(graph, keyValueHeadCount, headDimension);

  const hidden = 'inputs_embeds';
  const axisOne = graph.addIntegers('decoder.axis_1', [1]);
  const project = (name: string, weight: Float32Array, bias?: Float32Array) => {
    const weightName = graph.addConstant(`model.layers.0.${name}.weight`, weight, [layout.hiddenSize, headDimension]);
    let projected = graph.addNode('MatMul', [hidden, weightName]);
    if (bias)
      projected = graph.addNode('Add', [
        projected,
        graph.addConstant(`model.layers.0.${name}.bias`, bias, [headDimension]),
      ]);
    return graph.addNode('Unsqueeze', [projected, axisOne]);
  };
  const queryBias = new Float32Array(headDimension);
  queryBias[0] = 1;
  const keyWeight = new Float32Array(layout.hiddenSize * headDimension);
  keyWeight[layout.imageMarkerSlot * headDimension] = markerScore;
  keyWeight[layout.slideMarkerSlot * headDimension] = markerScore;
  const valueWeight = new Float32Array(layout.hiddenSize * headDimension);
  valueWeight[layout.imageStainSlot * headDimension] = 1;
  valueWeight[layout.slideStainSlot * headDimension + 1] = 1;
  const query = project('q_proj', new Float32Array(layout.hiddenSize * headDimension), queryBias);
  const key = project('k_proj', keyWeight);
  const value = project('v_proj', valueWeight);

  const presentKey = graph.addNode('Concat', ['past_key_values.0.key', key], 'present.0.key', { axis: 2 });
  const presentValue = graph.addNode('Concat', ['past_key_values.0.value', value], 'present.0.value', { axis: 2 });
  const scores = graph.addNode('MatMul', [
    query,
    graph.addNode('Transpose', [presentKey], undefined, { perm: [0, 1, 3, 2] }),
  ]);

  const bias = addCausalPaddingBias(graph, presentKey, hidden, 'decoder');
  const probabilities = graph.addNode('Softmax', [graph.addNode('Add', [scores, bias])], undefined, { axis: -1 });
  const context = graph.addNode('Squeeze', [graph.addNode('MatMul', [probabilities, presentValue]), axisOne]);
  const stainsSeen = graph.addNode('Slice', [
    context,
    graph.addIntegers('decoder.stain_start', [0]),
    graph.addIntegers('decoder.stain_end', [2]),
    graph.addIntegers('decoder.axis_last', [2]),
  ]);

  // Bigram logits of the token's state, plus the stain push in the start state.
  const states = graph.addNode('Slice', [
    hidden,
    graph.addIntegers('decoder.state_start', [0]),
    graph.addIntegers('decoder.state_end', [layout.stateCount]),
    'decoder.axis_last',
  ]);
  const table = graph.addConstant('lm_head.weight', bigram.logProbabilities, [bigram.stateCount, bigram.columnCount]);
  const bigramLogits = graph.addNode('MatMul', [states, table]);
  const startIndicator = new Float32Array(layout.stateCount);
  startIndicator[0] = 1;
  const inStartState = graph.addNode('MatMul', [
    states,
    graph.addConstant('decoder.start_state', startIndicator, [layout.stateCount, 1]),
  ]);
  const pushTable = new Float32Array(2 * bigram.columnCount);
  pushTable[openings.image.hematoxylinColumn] = openingBias;
  pushTable[openings.image.eosinColumn] = -openingBias;
  pushTable[bigram.columnCount + openings.slide.hematoxylinColumn] = openingBias;
  pushTable[bigram.columnCount + openings.slide.eosinColumn] = -openingBias;
  const push = graph.addNode('MatMul', [
    stainsSeen,
    graph.addConstant('decoder.opening_push', pushTable, [2, bigram.columnCount]),
  ]);
  const columnLogits = graph.addNode('Add', [bigramLogits, graph.addNode('Mul', [push, inStartState])]);
  const tokenToColumn = graph.addConstant('decoder.token_to_column', bigram.tokenToColumn, [vocabularySize]);
  graph.addNode('Gather', [columnLogits, tokenToColumn], 'logits', { axis: 2 });

  graph.addOutput('logits', 'float32', ['batch_size', 'sequence_length', vocabularySize]);
  addKeyValueCacheOutputs(graph, keyValueHeadCount, headDimension);
  return graph.toModelBytes();
}
