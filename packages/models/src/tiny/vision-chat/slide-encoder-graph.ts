import { GraphBuilder } from '../../onnx/graph-builder.ts';
import { createTinyClipWeights } from '../clip/clip-weights.ts';
import { stainClasses } from '../clip/stain-classes.ts';
import { tinySlideTokenCount, type VisionChatLayout } from './vision-chat-layout.ts';

/** Gain on (hematoxylin − eosin) direction scores before tanh. */
const slideStainGain = 3;

/**
 * `onnx/slide_encoder.onnx` of the tiny bundle: `patch_embeddings` f32 [1, N, 512] (tiny CLIP
 * image embeddings, as stored) → `slide_embeddings` [1, 2, hidden]. Each patch scores
 * tanh(3 · (e · hematoxylin direction − e · eosin direction)); both slide tokens carry the mean
 * score in the slide-stain slot and 1 in the slide-marker slot. A slide whose patches are
 * mostly hematoxylin-coloured thus pushes the answer towards the hematoxylin slide answer.
 */
export function buildSlideEncoderOnnx(layout: VisionChatLayout): Uint8Array {
  const clip = createTinyClipWeights();
  const dimension = clip.embeddingDimension;
  const direction = (name: string) => {
    const index = stainClasses.findIndex((stainClass) => stainClass.name === name);
    return clip.classDirections.subarray(index * dimension, (index + 1) * dimension);
  };
  const hematoxylin = direction('hematoxylin');
  const eosin = direction('eosin');
  const difference = Float32Array.from(hematoxylin, (value, index) => slideStainGain * (value - eosin[index]!));

  const graph = new GraphBuilder('tiny_vlm_slide_encoder');
  graph.addInput('patch_embeddings', 'float32', [1, 'patch_count', dimension]);
  const scores = graph.addNode('Tanh', [
    graph.addNode('MatMul', [
      'patch_embeddings',
      graph.addConstant('slide.stain_direction', difference, [dimension, 1]),
    ]),
  ]);
  const meanScore = graph.addNode('ReduceMean', [scores], undefined, { axes: [1], keepdims: 1 });
  const one = graph.addNode('Add', [
    graph.addNode('Mul', [meanScore, graph.addScalar('slide.zero', 0)]),
    graph.addScalar('slide.one', 1),
  ]);
  const projector = new Float32Array(2 * layout.hiddenSize);
  projector[layout.slideStainSlot] = 1;
  projector[layout.hiddenSize + layout.slideMarkerSlot] = 1;
  const token = graph.addNode('MatMul', [
    graph.addNode('Concat', [meanScore, one], undefined, { axis: -1 }),
    graph.addConstant('slide.projector.weight', projector, [2, layout.hiddenSize]),
  ]);
  graph.addNode(
    'Concat',
    Array.from({ length: tinySlideTokenCount }, () => token),
    'slide_embeddings',
    { axis: 1 },
  );
  graph.addOutput('slide_embeddings', 'float32', [1, tinySlideTokenCount, layout.hiddenSize]);
  return graph.toModelBytes();
}
