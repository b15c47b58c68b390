import { GraphBuilder } from '../onnx/graph-builder.ts';
import type {
  ClipArchitecture,
  LinearWeights,
  NormWeights,
  TextTowerWeights,
  TransformerLayerWeights,
  TransformerShape,
  VisionTowerWeights,
} from './clip-architecture.ts';

/** Added to attention scores a token must not see (softmax turns it into exactly 0). */
const maskedScore = -1e9;

/**
 * The two ONNX files of a transformers.js CLIP folder, built from the architecture and filled
 * with the checkpoint's weights:
 * - `onnx/vision_model.onnx`: `pixel_values` f32 [batch, 3, size, size] → `image_embeds` [batch, projectionDim]
 * - `onnx/text_model.onnx`: `input_ids`, `attention_mask` i64 [batch, seq] → `text_embeds` [batch, projectionDim]
 * Embeddings are not normalised here, as in transformers' `CLIP*ModelWithProjection`.
 */
export function buildClipOnnxFiles(
  architecture: ClipArchitecture,
  weights: { vision: VisionTowerWeights; text: TextTowerWeights },
): Map<string, Uint8Array> {
  return new Map([
    ['onnx/vision_model.onnx', buildVisionGraph(architecture, weights.vision)],
    ['onnx/text_model.onnx', buildTextGraph(architecture, weights.text)],
  ]);
}

function buildVisionGraph(architecture: ClipArchitecture, weights: VisionTowerWeights): Uint8Array {
  const { imageSizePx, patchSizePx, width } = architecture.vision;
  const gridSide = Math.floor(imageSizePx / patchSizePx);
  const graph = new GraphBuilder('clip_vision_model');
  const layers = new TransformerGraph(graph, architecture.vision, 'vision');
  graph.addInput('pixel_values', 'float32', ['batch_size', 3, imageSizePx, imageSizePx]);
  const patchKernel = graph.addConstant('vision.patch_embedding', weights.patchEmbedding, [
    width,
    3,
    patchSizePx,
    patchSizePx,
  ]);
  const patches = graph.addNode('Conv', ['pixel_values', patchKernel], undefined, {
    kernel_shape: [patchSizePx, patchSizePx],
    strides: [patchSizePx, patchSizePx],
  });
  // [batch, width, grid, grid] → [batch, grid², width]
  const flattened = graph.addNode('Reshape', [
    patches,
    graph.addIntegers('shape.batch_width_patches', [0, width, gridSide * gridSide]),
  ]);
  const patchTokens = graph.addNode('Transpose', [flattened], undefined, { perm: [0, 2, 1] });
  // The class token, repeated over the batch, goes first; then learned positions are added.
  const batch = graph.addNode('Slice', [
    graph.addNode('Shape', ['pixel_values']),
    graph.addIntegers('index.zero', [0]),
    graph.addIntegers('index.one', [1]),
  ]);
  const classShape = graph.addNode('Concat', [batch, graph.addIntegers('shape.one_width', [1, width])], undefined, {
    axis: 0,
  });
  const classTokens = graph.addNode('Expand', [
    graph.addConstant('vision.class_embedding', weights.classEmbedding, [1, 1, width]),
    classShape,
  ]);
  const tokens = graph.addNode('Concat', [classTokens, patchTokens], undefined, { axis: 1 });
  const positions = graph.addConstant('vision.position_embedding', weights.positionEmbedding, [
    gridSide * gridSide + 1,
    width,
  ]);
  let hidden = layers.layerNorm(graph.addNode('Add', [tokens, positions]), 'vision.pre_norm', weights.preNorm);
  hidden = layers.encoder(hidden, weights.layers);
  const classToken = graph.addNode('Gather', [hidden, graph.addIntegers('index.class_token', [0], true)], undefined, {
    axis: 1,
  });
  const pooled = layers.layerNorm(classToken, 'vision.post_norm', weights.postNorm);
  const projection = graph.addConstant('vision.projection', weights.projection, [width, architecture.projectionDim]);
  graph.addNode('MatMul', [pooled, projection], 'image_embeds');
  graph.addOutput('image_embeds', 'float32', ['batch_size', architecture.projectionDim]);
  return graph.toModelBytes('pathlens-models-convert');
}

function buildTextGraph(architecture: ClipArchitecture, weights: TextTowerWeights): Uint8Array {
  const { width, vocabularySize, contextLength, endTokenId } = architecture.text;
  const graph = new GraphBuilder('clip_text_model');
  const layers = new TransformerGraph(graph, architecture.text, 'text');
  graph.addInput('input_ids', 'int64', ['batch_size', 'sequence_length']);
  graph.addInput('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  const tokenEmbedding = graph.addConstant('text.token_embedding', weights.tokenEmbedding, [vocabularySize, width]);
  const tokens = graph.addNode('Gather', [tokenEmbedding, 'input_ids'], undefined, { axis: 0 });
  const sequenceLength = graph.addNode('Slice', [
    graph.addNode('Shape', ['input_ids']),
    graph.addIntegers('index.one', [1]),
    graph.addIntegers('index.two', [2]),
  ]);
  const positionTable = graph.addConstant('text.position_embedding', weights.positionEmbedding, [contextLength, width]);
  const positions = graph.addNode('Slice', [
    positionTable,
    graph.addIntegers('index.zero', [0]),
    sequenceLength,
    graph.addIntegers('index.zero', [0]),
  ]);
  let hidden = graph.addNode('Add', [tokens, positions]);

  // Causal mask [seq, seq], plus padding: a key position with attention_mask 0 is hidden from every query.
  const causalTable = new Float32Array(contextLength * contextLength);
  for (let query = 0; query < contextLength; query++)
    causalTable.fill(maskedScore, query * contextLength + query + 1, (query + 1) * contextLength);
  const squareEnd = graph.addNode('Concat', [sequenceLength, sequenceLength], undefined, { axis: 0 });
  const causal = graph.addNode('Slice', [
    graph.addConstant('text.causal_mask', causalTable, [contextLength, contextLength]),
    graph.addIntegers('index.zero_zero', [0, 0]),
    squareEnd,
  ]);
  const keyVisible = graph.addNode('Cast', ['attention_mask'], undefined, { to: 1 });
  const padding = graph.addNode('Mul', [
    graph.addNode('Sub', [graph.addScalar('one', 1), keyVisible]),
    graph.addScalar('masked_score', maskedScore),
  ]);
  const paddingMask = graph.addNode('Unsqueeze', [padding, graph.addIntegers('axes.heads_queries', [1, 2])]);
  const attentionMask = graph.addNode('Add', [causal, paddingMask]); // [batch, 1, seq, seq]

  hidden = layers.encoder(hidden, weights.layers, attentionMask);
  hidden = layers.layerNorm(hidden, 'text.final_norm', weights.finalNorm);
  // The embedding is read at the first end-of-text token (ArgMax returns the first maximum).
  const isEnd = graph.addNode(
    'Cast',
    [graph.addNode('Equal', ['input_ids', graph.addIntegers('text.end_token_id', [endTokenId], true)])],
    undefined,
    { to: 1 },
  );
  const endPosition = graph.addNode('ArgMax', [isEnd], undefined, { axis: 1, keepdims: 1 }); // [batch, 1]
  const pooled = graph.addNode('GatherND', [hidden, endPosition], undefined, { batch_dims: 1 }); // [batch, width]
  const projection = graph.addConstant('text.projection', weights.projection, [width, architecture.projectionDim]);
  graph.addNode('MatMul', [pooled, projection], 'text_embeds');
  graph.addOutput('text_embeds', 'float32', ['batch_size', architecture.projectionDim]);
  return graph.toModelBytes('pathlens-models-convert');
}

/** Pre-norm transformer layers (CLIP's residual attention blocks) added to one graph. */
class TransformerGraph {
  constructor(
    private readonly graph: GraphBuilder,
    private readonly shape: TransformerShape,
    private readonly prefix: string,
  ) {}

  layerNorm(input: string, name: string, weights: NormWeights): string {
    const { graph, shape } = this;
    const scale = graph.addConstant(`${name}.weight`, weights.weight, [shape.width]);
    const bias = graph.addConstant(`${name}.bias`, weights.bias, [shape.width]);
    return graph.addNode('LayerNormalization', [input, scale, bias], undefined, {
      axis: -1,
      epsilon: { float: shape.layerNormEpsilon },
    });
  }

  linear(input: string, name: string, weights: LinearWeights, inputs: number, outputs: number): string {
    const product = this.graph.addNode('MatMul', [
      input,
      this.graph.addConstant(`${name}.weight`, weights.weight, [inputs, outputs]),
    ]);
    return weights.bias
      ? this.graph.addNode('Add', [product, this.graph.addConstant(`${name}.bias`, weights.bias, [outputs])])
      : product;
  }

  /** `attentionMask` (additive, broadcast to [batch, heads, seq, seq]) is optional: the vision tower sees every token.
   *
   */
  encoder(input: string, layers: TransformerLayerWeights[], attentionMask?: string): string {
    const { graph, shape } = this;
    const { width, heads, mlpWidth } = shape;
    const headWidth = width / heads;
    const headsShape = graph.addIntegers(`${this.prefix}.shape.heads`, [0, -1, heads, headWidth]);
    const mergedShape = graph.addIntegers(`${this.prefix}.shape.merged`, [0, -1, width]);
    const scale = graph.addScalar(`${this.prefix}.attention_scale`, 1 / Math.sqrt(headWidth));
    const toHeads = (projected: string, perm: number[]) =>
      graph.addNode('Transpose', [graph.addNode('Reshape', [projected, headsShape])], undefined, { perm });
    let hidden = input;
    layers.forEach((layer, index) => {
      const name = `${this.prefix}.layers.${index}`;
      const normed = this.layerNorm(hidden, `${name}.norm1`, layer.norm1);
      const query = toHeads(
        graph.addNode('Mul', [this.linear(normed, `${name}.query`, layer.query, width, width), scale]),
        [0, 2, 1, 3],
      );
      const key = toHeads(this.linear(normed, `${name}.key`, layer.key, width, width), [0, 2, 3, 1]);
      const value = toHeads(this.linear(normed, `${name}.value`, layer.value, width, width), [0, 2, 1, 3]);
      let scores = graph.addNode('MatMul', [query, key]);
      if (attentionMask) scores = graph.addNode('Add', [scores, attentionMask]);
      const attention = graph.addNode('Softmax', [scores], undefined, { axis: -1 });
      const merged = graph.addNode('Transpose', [graph.addNode('MatMul', [attention, value])], undefined, {
        perm: [0, 2, 1, 3],
      });
      const context = graph.addNode('Reshape', [merged, mergedShape]);
      hidden = graph.addNode('Add', [hidden, this.linear(context, `${name}.output`, layer.output, width, width)]);
      const up = this.linear(
        this.layerNorm(hidden, `${name}.norm2`, layer.norm2),
        `${name}.fc1`,
        layer.fc1,
        width,
        mlpWidth,
      );
      hidden = graph.addNode('Add', [
        hidden,
        this.linear(this.activation(up), `${name}.fc2`, layer.fc2, mlpWidth, width),
      ]);
    });
    return hidden;
  }

  private activation(input: string): string {
    const { graph } = this;
    if (this.shape.activation === 'quick_gelu') {
      return graph.addNode('Mul', [
        input,
        graph.addNode('Sigmoid', [graph.addNode('Mul', [input, graph.addScalar('quick_gelu.factor', 1.702)])]),
      ]);
    }
    // Exact GELU, 0.5·x·(1 + erf(x/√2)); opset 17 has no Gelu operator.
    const erf = graph.addNode('Erf', [
      graph.addNode('Mul', [input, graph.addScalar('gelu.inverse_sqrt2', Math.SQRT1_2)]),
    ]);
    const halfInput = graph.addNode('Mul', [input, graph.addScalar('gelu.half', 0.5)]);
    return graph.addNode('Mul', [halfInput, graph.addNode('Add', [erf, graph.addScalar('one', 1)])]);
  }
}
