import type { GraphBuilder } from '../../onnx/graph-builder.ts';
import type { TinyClipWeights } from './clip-weights.ts';

/**
 * Adds the tiny CLIP text tower to `graph`: `inputIds`, `attentionMask` int64 [batch, seq]
 * → returned name [batch, D].
 *
 * Each token's vector = its stain class direction (zero when it has none) +
 * amplitude · sin(id · f + p), a pseudo-random vector computed from the id so that a
 * 49,408-token vocabulary needs no 100 MB table. The text embedding is the
 * attention-masked mean of token vectors, times `outputScale`.
 *
 * @param tokenClass [vocabularySize] int64: 0 for no class, k + 1 for stain class k.
 */
export function addTextEmbedding(
  graph: GraphBuilder,
  inputIds: string,
  attentionMask: string,
  weights: TinyClipWeights,
  tokenClass: BigInt64Array,
): string {
  const dimension = weights.embeddingDimension;
  const classCount = weights.tokenClassDirections.length / dimension;

  const tokenClassTable = graph.addConstant('text.token_class', tokenClass, [tokenClass.length]);
  const classIndex = graph.addNode('Gather', [tokenClassTable, inputIds], undefined, { axis: 0 });
  const classTable = graph.addConstant('text.class_directions', weights.tokenClassDirections, [classCount, dimension]);
  const classVectors = graph.addNode('Gather', [classTable, classIndex], undefined, { axis: 0 });

  const axisTwo = graph.addIntegers('text.axis_2', [2]);
  const idColumn = graph.addNode('Unsqueeze', [graph.addNode('Cast', [inputIds], undefined, { to: 1 }), axisTwo]);
  const frequencies = graph.addConstant('text.noise_frequencies', weights.tokenNoiseFrequencies, [dimension]);
  const phases = graph.addConstant('text.noise_phases', weights.tokenNoisePhases, [dimension]);
  const noise = graph.addNode('Mul', [
    graph.addNode('Sin', [graph.addNode('Add', [graph.addNode('Mul', [idColumn, frequencies]), phases])]),
    graph.addScalar('text.noise_amplitude', weights.tokenNoiseAmplitude),
  ]);
  const tokenVectors = graph.addNode('Add', [classVectors, noise]);

  const maskColumn = graph.addNode('Unsqueeze', [
    graph.addNode('Cast', [attentionMask], undefined, { to: 1 }),
    axisTwo,
  ]);
  const axisOne = graph.addIntegers('text.axis_1', [1]);
  const summed = graph.addNode('ReduceSum', [graph.addNode('Mul', [tokenVectors, maskColumn]), axisOne], undefined, {
    keepdims: 0,
  });
  const counted = graph.addNode('ReduceSum', [maskColumn, axisOne], undefined, { keepdims: 0 });
  const safeCount = graph.addNode('Max', [counted, graph.addScalar('text.one', 1)]);
  const outputScale = graph.addScalar('text.output_scale', weights.outputScale);
  return graph.addNode('Mul', [graph.addNode('Div', [summed, safeCount]), outputScale], 'text.text_embeds');
}
