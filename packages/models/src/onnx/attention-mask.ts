import type { GraphBuilder } from './graph-builder.ts';

/**
 * Additive attention bias [batch, 1, new, total] for a decoder with a key/value cache: 0 where
 * key t is visible to new query s (t ≤ past + s, and `attention_mask`[t] = 1), −1e9 elsewhere.
 * `presentKey` is [batch, heads, total, head dim]; `newTokens` is any input with the new
 * sequence length on axis 1 (`input_ids` or `inputs_embeds`).
 */
export function addCausalPaddingBias(
  graph: GraphBuilder,
  presentKey: string,
  newTokens: string,
  prefix: string,
): string {
  const totalLength = graph.addNode('Squeeze', [graph.addNode('Shape', [presentKey], undefined, { start: 2, end: 3 })]);
  const newLength = graph.addNode('Squeeze', [graph.addNode('Shape', [newTokens], undefined, { start: 1, end: 2 })]);
  const one = graph.addIntegers(`${prefix}.one`, [1], true);
  const keyIndex = graph.addNode('Range', [graph.addIntegers(`${prefix}.zero`, [0], true), totalLength, one]);
  const queryIndex = graph.addNode('Range', [graph.addNode('Sub', [totalLength, newLength]), totalLength, one]);
  const causal = graph.addNode('LessOrEqual', [
    graph.addNode('Unsqueeze', [keyIndex, graph.addIntegers(`${prefix}.axis_0`, [0])]),
    graph.addNode('Unsqueeze', [queryIndex, graph.addIntegers(`${prefix}.axis_1`, [1])]),
  ]);
  const expandedMask = graph.addNode('Unsqueeze', ['attention_mask', graph.addIntegers(`${prefix}.axes_1_2`, [1, 2])]);
  const padding = graph.addNode('Cast', [expandedMask], undefined, { to: 9 });
  const allowed = graph.addNode('And', [causal, padding]);
  return graph.addNode('Where', [
    allowed,
    graph.addScalar(`${prefix}.visible`, 0),
    graph.addScalar(`${prefix}.hidden_key`, -1e9),
  ]);
}
