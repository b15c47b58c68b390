import { addCausalPaddingBias } from '../../onnx/attention-mask.ts';
import { GraphBuilder } from '../../onnx/graph-builder.ts';
import { addKeyValueCacheInputs, addKeyValueCacheOutputs } from '../../onnx/key-value-cache.ts';
import { SeededRandom } from '../../random/seeded-random.ts';
import type { BigramLanguageModel } from './bigram-language-model.ts';

/** Shape of the tiny chat model's one attention layer; fixed numbers, as transformers.js needs (see NOTES). */
export const tinyChatAttention = {
  layerCount: 1,
  attentionHeadCount: 2,
  keyValueHeadCount: 1,
  headDimension: 8,
  ropeTheta: 10000,
} as const;

/**
 * Builds `onnx/model.onnx` of the tiny chat model, in the layout transformers.js expects of
 * a Qwen2 decoder with a key/value cache:
 *
 * inputs `input_ids` [batch, seq], `attention_mask` [batch, past + seq], `position_ids`
 * [batch, seq], `past_key_values.0.key/value` [batch, 1, past, 8]; outputs `logits`
 * [batch, seq, vocabulary] and `present.0.key/value` = past ‖ new along the sequence axis.
 *
 * hidden = one-hot(state of token) + attention(hidden) · W_o, logits = hidden · bigram table.
 * The attention is real (rotary positions from `position_ids`, grouped-query heads, causal
 * and padding masks over past + new keys) but its weights are small, so it nudges the
 * bigram scores by about a hundredth of a logit, below the tie-break step of the bigram table.
 */
export function buildTinyChatOnnx(bigram: BigramLanguageModel, vocabularySize: number, seed = 20240513): Uint8Array {
  const { attentionHeadCount, keyValueHeadCount, headDimension, ropeTheta } = tinyChatAttention;
  const hiddenSize = bigram.stateCount;
  const random = new SeededRandom(seed);
  const graph = new GraphBuilder('tiny_chat');

  graph.addInput('input_ids', 'int64', ['batch_size', 'sequence_length']);
  graph.addInput('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  graph.addInput('position_ids', 'int64', ['batch_size', 'sequence_length']);
  addKeyValueCacheInputs(graph, keyValueHeadCount, headDimension);

  // Token → bigram state → one-hot hidden vector [B, S, H].
  const tokenToState = graph.addConstant('model.token_to_state', bigram.tokenToState, [vocabularySize]);
  const state = graph.addNode('Gather', [tokenToState, 'input_ids'], undefined, { axis: 0 });
  const hidden = graph.addNode(
    'OneHot',
    [
      state,
      graph.addIntegers('model.state_count', [hiddenSize], true),
      graph.addConstant('model.one_hot_values', new Float32Array([0, 1]), [2]),
    ],
    'model.hidden',
    { axis: -1 },
  );

  // Projections, split into heads: q [B, NH, S, D], k and v [B, KV, S, D].
  const projectionScale = 0.5;
  const projectHeads = (name: string, headCount: number) => {
    const weight = graph.addConstant(
      `model.layers.0.${name}.weight`,
      random.gaussianArray(hiddenSize * headCount * headDimension, projectionScale),
      [hiddenSize, headCount * headDimension],
    );
    const projected = graph.addNode('MatMul', [hidden, weight]);
    const split = graph.addNode('Reshape', [
      projected,
      graph.addIntegers(`model.${name}.heads_shape`, [0, 0, headCount, headDimension]),
    ]);
    return graph.addNode('Transpose', [split], undefined, { perm: [0, 2, 1, 3] });
  };
  const query = projectHeads('q_proj', attentionHeadCount);
  const key = projectHeads('k_proj', keyValueHeadCount);
  const value = projectHeads('v_proj', keyValueHeadCount);

  // Rotary position embedding from position_ids: x·cos + rotate_half(x)·sin.
  const halfDimension = headDimension / 2;
  const inverseFrequencies = Float32Array.from(
    { length: halfDimension },
    (_, index) => ropeTheta ** ((-2 * index) / headDimension),
  );
  const positions = graph.addNode('Unsqueeze', [
    graph.addNode('Cast', ['position_ids'], undefined, { to: 1 }),
    graph.addIntegers('model.axis_2', [2]),
  ]);
  const angles = graph.addNode('Mul', [
    positions,
    graph.addConstant('model.rope.inverse_frequencies', inverseFrequencies, [halfDimension]),
  ]);
  const fullAngles = graph.addNode('Unsqueeze', [
    graph.addNode('Concat', [angles, angles], undefined, { axis: -1 }),
    graph.addIntegers('model.axis_1', [1]),
  ]);
  const cosine = graph.addNode('Cos', [fullAngles]);
  const sine = graph.addNode('Sin', [fullAngles]);
  const axisThree = graph.addIntegers('model.axis_3', [3]);
  const rotate = (input: string) => {
    const firstHalf = graph.addNode('Slice', [
      input,
      graph.addIntegers('model.rope.first_start', [0]),
      graph.addIntegers('model.rope.first_end', [halfDimension]),
      axisThree,
    ]);
    const secondHalf = graph.addNode('Slice', [
      input,
      graph.addIntegers('model.rope.second_start', [halfDimension]),
      graph.addIntegers('model.rope.second_end', [headDimension]),
      axisThree,
    ]);
    const rotated = graph.addNode('Concat', [graph.addNode('Neg', [secondHalf]), firstHalf], undefined, { axis: 3 });
    return graph.addNode('Add', [graph.addNode('Mul', [input, cosine]), graph.addNode('Mul', [rotated, sine])]);
  };
  const rotatedQuery = rotate(query);
  const rotatedKey = rotate(key);

  // Cache: present = past ‖ new.
  const presentKey = graph.addNode('Concat', ['past_key_values.0.key', rotatedKey], 'present.0.key', { axis: 2 });
  const presentValue = graph.addNode('Concat', ['past_key_values.0.value', value], 'present.0.value', { axis: 2 });

  // Scores [B, NH, S, T]; the single key/value head broadcasts over the query heads.
  const keyTransposed = graph.addNode('Transpose', [presentKey], undefined, { perm: [0, 1, 3, 2] });
  const scores = graph.addNode('Mul', [
    graph.addNode('MatMul', [rotatedQuery, keyTransposed]),
    graph.addScalar('model.score_scale', 1 / Math.sqrt(headDimension)),
  ]);

  const bias = addCausalPaddingBias(graph, presentKey, 'input_ids', 'model');
  const probabilities = graph.addNode('Softmax', [graph.addNode('Add', [scores, bias])], undefined, { axis: -1 });

  // Context [B, S, NH·D] → output projection back into the hidden space, kept small.
  const context = graph.addNode('Transpose', [graph.addNode('MatMul', [probabilities, presentValue])], undefined, {
    perm: [0, 2, 1, 3],
  });
  const merged = graph.addNode('Reshape', [
    context,
    graph.addIntegers('model.merged_shape', [0, 0, attentionHeadCount * headDimension]),
  ]);
  const outputWeight = graph.addConstant(
    'model.layers.0.o_proj.weight',
    random.gaussianArray(attentionHeadCount * headDimension * hiddenSize, 2e-4),
    [attentionHeadCount * headDimension, hiddenSize],
  );
  const attentionOutput = graph.addNode('MatMul', [merged, outputWeight]);
  const residual = graph.addNode('Add', [hidden, attentionOutput]);

  // Bigram table, then spread the predictable columns over the whole vocabulary.
  const lmHead = graph.addConstant('lm_head.weight', bigram.logProbabilities, [bigram.stateCount, bigram.columnCount]);
  const columnLogits = graph.addNode('MatMul', [residual, lmHead]);
  const tokenToColumn = graph.addConstant('model.token_to_column', bigram.tokenToColumn, [vocabularySize]);
  graph.addNode('Gather', [columnLogits, tokenToColumn], 'logits', { axis: 2 });

  graph.addOutput('logits', 'float32', ['batch_size', 'sequence_length', vocabularySize]);
  addKeyValueCacheOutputs(graph, keyValueHeadCount, headDimension);
  return graph.toModelBytes();
}
