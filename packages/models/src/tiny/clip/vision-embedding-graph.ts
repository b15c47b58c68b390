import type { GraphBuilder } from '../../onnx/graph-builder.ts';
import { clipImageMean, clipImageStd, type TinyClipWeights } from './clip-weights.ts';

/**
 * Adds the tiny CLIP image tower to `graph`: `pixelValues` [batch, 3, H, W] (CLIP-normalised)
 * → returned name [batch, D].
 *
 * embedding = outputScale · (softmax(−‖rgb − prototype_k‖² / T) · directions + (rgb − 0.5) · C)
 * where rgb is the image's mean colour in [0, 1]. Normalisation is linear, so the mean is
 * taken first and un-normalised after.
 */
export function addVisionEmbedding(graph: GraphBuilder, pixelValues: string, weights: TinyClipWeights): string {
  const dimension = weights.embeddingDimension;
  const classCount = weights.prototypesRgb.length / 3;

  const meanNormalised = graph.addNode('ReduceMean', [pixelValues], undefined, { axes: [2, 3], keepdims: 0 });
  const std = graph.addConstant('vision.image_std', Float32Array.from(clipImageStd), [3]);
  const mean = graph.addConstant('vision.image_mean', Float32Array.from(clipImageMean), [3]);
  const rgb = graph.addNode('Add', [graph.addNode('Mul', [meanNormalised, std]), mean], 'vision.mean_rgb');

  const prototypes = graph.addConstant('vision.prototypes_rgb', weights.prototypesRgb, [classCount, 3]);
  const rgbColumn = graph.addNode('Unsqueeze', [rgb, graph.addIntegers('vision.axis_1', [1])]);
  const difference = graph.addNode('Sub', [rgbColumn, prototypes]);
  const squaredDistance = graph.addNode('ReduceSumSquare', [difference], undefined, { axes: [2], keepdims: 0 });
  const negativeInverseTemperature = graph.addScalar('vision.negative_inverse_temperature', -1 / weights.temperature);
  const classWeights = graph.addNode(
    'Softmax',
    [graph.addNode('Mul', [squaredDistance, negativeInverseTemperature])],
    'vision.class_weights',
    {
      axis: -1,
    },
  );

  const directions = graph.addConstant('vision.class_directions', weights.classDirections, [classCount, dimension]);
  const classPart = graph.addNode('MatMul', [classWeights, directions]);
  const centred = graph.addNode('Sub', [rgb, graph.addScalar('vision.half', 0.5)]);
  const colourProjection = graph.addConstant('vision.colour_projection', weights.colourProjection, [3, dimension]);
  const colourPart = graph.addNode('MatMul', [centred, colourProjection]);
  const outputScale = graph.addScalar('vision.output_scale', weights.outputScale);
  return graph.addNode('Mul', [graph.addNode('Add', [classPart, colourPart]), outputScale], 'vision.image_embeds');
}
