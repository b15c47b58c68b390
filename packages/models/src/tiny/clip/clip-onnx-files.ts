import { GraphBuilder } from '../../onnx/graph-builder.ts';
import { tinyClipInputSizePx, type TinyClipWeights } from './clip-weights.ts';
import { addTextEmbedding } from './text-embedding-graph.ts';
import { addVisionEmbedding } from './vision-embedding-graph.ts';

/**
 * The three ONNX files of a transformers.js CLIP folder, keyed by path inside the folder:
 * - `onnx/vision_model.onnx`: `pixel_values` f32 [batch, 3, 224, 224] → `image_embeds` [batch, D]
 * - `onnx/text_model.onnx`: `input_ids`, `attention_mask` i64 [batch, seq] → `text_embeds` [batch, D]
 * - `onnx/model.onnx` (pipelines): all three inputs → L2-normalised `text_embeds`, `image_embeds`,
 *   `logits_per_text` [texts, images] and `logits_per_image` [images, texts] = 100 · cosine.
 */
export function buildTinyClipOnnxFiles(weights: TinyClipWeights, tokenClass: BigInt64Array): Map<string, Uint8Array> {
  const dimension = weights.embeddingDimension;
  const pixelDimensions = ['batch_size', 3, tinyClipInputSizePx, tinyClipInputSizePx];

  const vision = new GraphBuilder('tiny_clip_vision');
  vision.addInput('pixel_values', 'float32', pixelDimensions);
  vision.addNode('Identity', [addVisionEmbedding(vision, 'pixel_values', weights)], 'image_embeds');
  vision.addOutput('image_embeds', 'float32', ['batch_size', dimension]);

  const text = new GraphBuilder('tiny_clip_text');
  text.addInput('input_ids', 'int64', ['batch_size', 'sequence_length']);
  text.addInput('attention_mask', 'int64', ['batch_size', 'sequence_length']);
  text.addNode('Identity', [addTextEmbedding(text, 'input_ids', 'attention_mask', weights, tokenClass)], 'text_embeds');
  text.addOutput('text_embeds', 'float32', ['batch_size', dimension]);

  const joint = new GraphBuilder('tiny_clip');
  joint.addInput('input_ids', 'int64', ['text_batch_size', 'sequence_length']);
  joint.addInput('pixel_values', 'float32', ['image_batch_size', 3, tinyClipInputSizePx, tinyClipInputSizePx]);
  joint.addInput('attention_mask', 'int64', ['text_batch_size', 'sequence_length']);
  const textEmbeds = joint.addNode(
    'LpNormalization',
    [addTextEmbedding(joint, 'input_ids', 'attention_mask', weights, tokenClass)],
    'text_embeds',
    {
      axis: -1,
      p: 2,
    },
  );
  const imageEmbeds = joint.addNode(
    'LpNormalization',
    [addVisionEmbedding(joint, 'pixel_values', weights)],
    'image_embeds',
    { axis: -1, p: 2 },
  );
  const similarity = joint.addNode('MatMul', [
    textEmbeds,
    joint.addNode('Transpose', [imageEmbeds], undefined, { perm: [1, 0] }),
  ]);
  const logitsPerText = joint.addNode(
    'Mul',
    [similarity, joint.addScalar('logit_scale_exp', weights.logitScale)],
    'logits_per_text',
  );
  joint.addNode('Transpose', [logitsPerText], 'logits_per_image', { perm: [1, 0] });
  joint.addOutput('text_embeds', 'float32', ['text_batch_size', dimension]);
  joint.addOutput('image_embeds', 'float32', ['image_batch_size', dimension]);
  joint.addOutput('logits_per_text', 'float32', ['text_batch_size', 'image_batch_size']);
  joint.addOutput('logits_per_image', 'float32', ['image_batch_size', 'text_batch_size']);

  return new Map([
    ['onnx/vision_model.onnx', vision.toModelBytes()],
    ['onnx/text_model.onnx', text.toModelBytes()],
    ['onnx/model.onnx', joint.toModelBytes()],
  ]);
}
