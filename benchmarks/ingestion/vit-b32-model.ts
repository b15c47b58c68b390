/**
 * A full-size CLIP ViT-B/32 image tower with random weights, in the transformers.js folder
 * layout `ClipImageEncoder` loads (`config.json`, `preprocessor_config.json`,
 * `onnx/vision_model.onnx`). Same architecture as openai/clip-vit-base-patch32's vision side
 * (patch 32, width 768, 12 layers, 12 heads, MLP 3072, quick-GELU, pre-norm, projection to
 * 512), so it costs what the real encoder costs (~4.4 GFLOP an image); its embeddings mean nothing.
 * Written once into `.tmp/benchmarks/models/` (~350 MB).
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GraphBuilder } from '../../packages/models/src/onnx/graph-builder.ts';
import { benchmarkCacheDir } from './synthetic-slide.ts';

export const vitB32 = {
  imageSizePx: 224,
  patchSizePx: 32,
  width: 768,
  layers: 12,
  heads: 12,
  mlpWidth: 3072,
  projectionDim: 512,
} as const;

export const vitB32ModelId = 'pathlens-benchmark/clip-vit-b32-random';
export const benchmarkModelsDir = path.join(benchmarkCacheDir, 'models');

/** Writes the model folder unless it is there; returns MODELS_DIR for `ClipImageEncoder.load`. */
export async function ensureVitB32Model(log: (line: string) => void = console.log): Promise<string> {
  const folder = path.join(benchmarkModelsDir, vitB32ModelId);
  if (
    await stat(path.join(folder, 'onnx', 'vision_model.onnx')).then(
      () => true,
      () => false,
    )
  )
    return benchmarkModelsDir;
  const startedMs = performance.now();
  const partial = `${folder}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(path.join(partial, 'onnx'), { recursive: true });
  const graph = buildVisionGraph();
  await writeFile(path.join(partial, 'onnx', 'vision_model.onnx'), graph);
  await writeFile(path.join(partial, 'config.json'), JSON.stringify(clipConfig(), null, 2));
  await writeFile(path.join(partial, 'preprocessor_config.json'), JSON.stringify(preprocessorConfig(), null, 2));
  await rm(folder, { recursive: true, force: true });
  await mkdir(path.dirname(folder), { recursive: true });
  await rename(partial, folder);
  log(
    `generated ${vitB32ModelId} (${(graph.byteLength / 1e6).toFixed(0)} MB) in ${((performance.now() - startedMs) / 1000).toFixed(1)} s`,
  );
  return benchmarkModelsDir;
}

/** `pixel_values` f32 [batch, 3, 224, 224] (CLIP-normalised) → `image_embeds` f32 [batch, 512]. */
function buildVisionGraph(): Uint8Array {
  const { imageSizePx, patchSizePx, width, layers, heads, mlpWidth, projectionDim } = vitB32;
  const gridSide = imageSizePx / patchSizePx;
  const tokens = gridSide * gridSide + 1;
  const headWidth = width / heads;
  const weights = new RandomWeights(1234);
  const graph = new GraphBuilder('clip_vit_b32_vision');
  const weight = (name: string, dimensions: number[], scale = 0.02) =>
    graph.addConstant(name, weights.normal(dimensions, scale), dimensions);
  const ones = (name: string, size: number) => graph.addConstant(name, new Float32Array(size).fill(1), [size]);
  const zeros = (name: string, size: number) => graph.addConstant(name, new Float32Array(size), [size]);
  const layerNorm = (input: string, name: string) =>
    graph.addNode(
      'LayerNormalization',
      [input, ones(`${name}.weight`, width), zeros(`${name}.bias`, width)],
      undefined,
      { axis: -1, epsilon: { float: 1e-5 } },
    );
  const linear = (input: string, name: string, inputs: number, outputs: number, bias = true) => {
    const product = graph.addNode('MatMul', [input, weight(`${name}.weight`, [inputs, outputs])]);
    return bias ? graph.addNode('Add', [product, weight(`${name}.bias`, [outputs], 0.01)]) : product;
  };

  graph.addInput('pixel_values', 'float32', ['batch_size', 3, imageSizePx, imageSizePx]);
  // Patch embedding: a 32×32 stride-32 convolution, then [batch, 49, 768].
  const patches = graph.addNode(
    'Conv',
    ['pixel_values', weight('embeddings.patch_embedding.weight', [width, 3, patchSizePx, patchSizePx])],
    undefined,
    {
      kernel_shape: [patchSizePx, patchSizePx],
      strides: [patchSizePx, patchSizePx],
    },
  );
  const patchTokens = graph.addNode(
    'Transpose',
    [graph.addNode('Reshape', [patches, graph.addIntegers('shape.batch_width_grid', [0, width, gridSide * gridSide])])],
    undefined,
    { perm: [0, 2, 1] },
  );
  // The class token, repeated over the batch, in front; then learned positions.
  const batch = graph.addNode('Slice', [
    graph.addNode('Shape', ['pixel_values']),
    graph.addIntegers('slice.start0', [0]),
    graph.addIntegers('slice.end1', [1]),
  ]);
  const classShape = graph.addNode('Concat', [batch, graph.addIntegers('shape.one_width', [1, width])], undefined, {
    axis: 0,
  });
  const classTokens = graph.addNode('Expand', [weight('embeddings.class_embedding', [1, 1, width]), classShape]);
  const embedded = graph.addNode('Add', [
    graph.addNode('Concat', [classTokens, patchTokens], undefined, { axis: 1 }),
    weight('embeddings.position_embedding', [tokens, width]),
  ]);
  let hidden = layerNorm(embedded, 'pre_layrnorm');

  const headsShape = graph.addIntegers('shape.heads', [0, tokens, heads, headWidth]);
  const mergedShape = graph.addIntegers('shape.merged', [0, tokens, width]);
  const splitHeads = (input: string) =>
    graph.addNode('Transpose', [graph.addNode('Reshape', [input, headsShape])], undefined, { perm: [0, 2, 1, 3] });
  const attentionScale = graph.addScalar('attention.scale', 1 / Math.sqrt(headWidth));
  for (let layer = 0; layer < layers; layer++) {
    const prefix = `encoder.layers.${layer}`;
    const normed = layerNorm(hidden, `${prefix}.layer_norm1`);
    const query = splitHeads(
      graph.addNode('Mul', [linear(normed, `${prefix}.self_attn.q_proj`, width, width), attentionScale]),
    );
    const key = graph.addNode(
      'Transpose',
      [graph.addNode('Reshape', [linear(normed, `${prefix}.self_attn.k_proj`, width, width), headsShape])],
      undefined,
      { perm: [0, 2, 3, 1] },
    );
    const value = splitHeads(linear(normed, `${prefix}.self_attn.v_proj`, width, width));
    const attention = graph.addNode('Softmax', [graph.addNode('MatMul', [query, key])], undefined, { axis: -1 });
    const context = graph.addNode('Reshape', [
      graph.addNode('Transpose', [graph.addNode('MatMul', [attention, value])], undefined, { perm: [0, 2, 1, 3] }),
      mergedShape,
    ]);
    hidden = graph.addNode('Add', [hidden, linear(context, `${prefix}.self_attn.out_proj`, width, width)]);
    const up = linear(layerNorm(hidden, `${prefix}.layer_norm2`), `${prefix}.mlp.fc1`, width, mlpWidth);
    const quickGelu = graph.addNode('Mul', [
      up,
      graph.addNode('Sigmoid', [graph.addNode('Mul', [up, graph.addScalar('quick_gelu.factor', 1.702)])]),
    ]);
    hidden = graph.addNode('Add', [hidden, linear(quickGelu, `${prefix}.mlp.fc2`, mlpWidth, width)]);
  }
  const pooled = layerNorm(
    graph.addNode('Gather', [hidden, graph.addIntegers('index.class_token', [0], true)], undefined, { axis: 1 }),
    'post_layernorm',
  );
  graph.addNode('Identity', [linear(pooled, 'visual_projection', width, projectionDim, false)], 'image_embeds');
  graph.addOutput('image_embeds', 'float32', ['batch_size', projectionDim]);
  return graph.toModelBytes('pathlens-benchmarks');
}

function clipConfig() {
  const { imageSizePx, patchSizePx, width, layers, heads, mlpWidth, projectionDim } = vitB32;
  return {
    _name_or_path: vitB32ModelId,
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: projectionDim,
    text_config: {
      model_type: 'clip_text_model',
      hidden_size: 512,
      intermediate_size: 2048,
      num_attention_heads: 8,
      num_hidden_layers: 12,
      projection_dim: projectionDim,
      vocab_size: 49408,
      max_position_embeddings: 77,
    },
    vision_config: {
      model_type: 'clip_vision_model',
      hidden_size: width,
      intermediate_size: mlpWidth,
      num_attention_heads: heads,
      num_hidden_layers: layers,
      image_size: imageSizePx,
      patch_size: patchSizePx,
      projection_dim: projectionDim,
      hidden_act: 'quick_gelu',
    },
    torch_dtype: 'float32',
  };
}

function preprocessorConfig() {
  return {
    image_processor_type: 'CLIPImageProcessor',
    do_resize: true,
    size: { shortest_edge: vitB32.imageSizePx },
    do_center_crop: true,
    crop_size: { height: vitB32.imageSizePx, width: vitB32.imageSizePx },
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.48145466, 0.4578275, 0.40821073],
    image_std: [0.26862954, 0.26130258, 0.27577711],
  };
}

/** Seeded, roughly normal weights (sum of uniforms), fast enough for 88 M of them. */
class RandomWeights {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  normal(dimensions: number[], scale: number): Float32Array {
    const values = new Float32Array(dimensions.reduce((product, size) => product * size, 1));
    for (let index = 0; index < values.length; index++)
      values[index] = (this.#uniform() + this.#uniform() + this.#uniform() - 1.5) * 2 * scale;
    return values;
  }
  #uniform(): number {
    // xorshift32
    let x = this.#state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#state = x >>> 0;
    return this.#state / 4294967296;
  }
}
