import type { GraphBuilder } from './graph-builder.ts';

/**
 * One attention layer's key/value cache as transformers.js feeds it: inputs
 * `past_key_values.0.key/value` [batch, kv heads, past, head] and outputs `present.0.key/value`
 * [batch, kv heads, total, head]. Heads and head size must be numbers (v4 builds the empty first-step
 * cache from the input metadata).
 */
export function addKeyValueCacheInputs(graph: GraphBuilder, keyValueHeadCount: number, headDimension: number): void {
  for (const part of ['key', 'value']) {
    graph.addInput(`past_key_values.0.${part}`, 'float32', [
      'batch_size',
      keyValueHeadCount,
      'past_sequence_length',
      headDimension,
    ]);
  }
}

/** The `present.0.key/value` outputs that go with `addKeyValueCacheInputs`. */
export function addKeyValueCacheOutputs(graph: GraphBuilder, keyValueHeadCount: number, headDimension: number): void {
  for (const part of ['key', 'value']) {
    graph.addOutput(`present.0.${part}`, 'float32', [
      'batch_size',
      keyValueHeadCount,
      'total_sequence_length',
      headDimension,
    ]);
  }
}
