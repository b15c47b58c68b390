import { GraphBuilder } from '../../onnx/graph-builder.ts';
import {
  stainGain,
  tinyVisionPatchSizePx,
  tinyVisionTokensPerImage,
  type VisionChatLayout,
} from './vision-chat-layout.ts';

/**
 * `onnx/vision_encoder.onnx` in the LLaVA export layout (vision tower and projector in one graph):
 * `pixel_values` f32 [batch, 3, 224, 224] (rescaled to [0, 1], no normalisation) →
 * `image_features` [batch, 4, hidden]. Each token is one 112-px quadrant: its mean colour gives
 * the stain tanh(8 · (blue − red)), written into the stain slot, with 1 in the image-marker slot.
 */
export function buildVisionEncoderOnnx(layout: VisionChatLayout): Uint8Array {
  const graph = new GraphBuilder('tiny_vlm_vision_encoder');
  graph.addInput('pixel_values', 'float32', ['batch_size', 3, 'height', 'width']);

  const pooled = graph.addNode('AveragePool', ['pixel_values'], undefined, {
    kernel_shape: [tinyVisionPatchSizePx, tinyVisionPatchSizePx],
    strides: [tinyVisionPatchSizePx, tinyVisionPatchSizePx],
  });
  const flat = graph.addNode('Reshape', [
    pooled,
    graph.addIntegers('vision.pooled_shape', [0, 3, tinyVisionTokensPerImage]),
  ]);
  const colours = graph.addNode('Transpose', [flat], undefined, { perm: [0, 2, 1] });
  const blueMinusRed = graph.addConstant('vision.stain_weight', new Float32Array([-stainGain, 0, stainGain]), [3, 1]);
  const stain = graph.addNode('Tanh', [graph.addNode('MatMul', [colours, blueMinusRed])]);
  const one = graph.addNode('Add', [
    graph.addNode('Mul', [stain, graph.addScalar('vision.zero', 0)]),
    graph.addScalar('vision.one', 1),
  ]);

  // Projector: [stain, 1] → hidden, into the stain and marker slots.
  const projector = new Float32Array(2 * layout.hiddenSize);
  projector[layout.imageStainSlot] = 1;
  projector[layout.hiddenSize + layout.imageMarkerSlot] = 1;
  const projectorWeight = graph.addConstant('multi_modal_projector.weight', projector, [2, layout.hiddenSize]);
  const stainAndOne = graph.addNode('Concat', [stain, one], undefined, { axis: -1 });
  graph.addNode('MatMul', [stainAndOne, projectorWeight], 'image_features');
  graph.addOutput('image_features', 'float32', ['batch_size', tinyVisionTokensPerImage, layout.hiddenSize]);
  return graph.toModelBytes();
}
