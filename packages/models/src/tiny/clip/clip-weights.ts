import { SeededRandom } from '../../random/seeded-random.ts';
import { stainClasses } from './stain-classes.ts';

/** Embedding width of the tiny CLIP (same as clip-vit-base-patch32, so storage code is exercised for real). */
export const tinyClipEmbeddingDimension = 512;
export const tinyClipInputSizePx = 224;

/** CLIP's image normalisation, used by the preprocessor and undone inside the vision graph. */
export const clipImageMean = [0.48145466, 0.4578275, 0.40821073] as const;
export const clipImageStd = [0.26862954, 0.26130258, 0.27577711] as const;

/**
 * All numbers in the tiny CLIP graphs, derived from one seed.
 *
 * Scales: an image at a prototype colour gets ≈ its class direction (unit) plus a colour
 * term of norm ≈ 0.1; a text token gets its class direction (or nothing) plus a
 * pseudo-random term of norm ≈ 0.25. Outputs are multiplied by `outputScale` so that, like
 * real CLIP projections, they are not unit length: callers must normalise.
 */
export interface TinyClipWeights {
  embeddingDimension: number;
  /** [classes, 3] prototype mean RGB in [0, 1]. */
  prototypesRgb: Float32Array;
  /** [classes, D] orthonormal class directions. */
  classDirections: Float32Array;
  /** [classes + 1, D]: row 0 is zeros (token has no class), row k+1 is class k. */
  tokenClassDirections: Float32Array;
  /** [3, D] small projection of (mean RGB − 0.5), so every colour gets its own vector. */
  colourProjection: Float32Array;
  /** Softmax temperature on squared RGB distance. */
  temperature: number;
  /** [D] frequencies and phases of the per-token pseudo-random term sin(id·f + p). */
  tokenNoiseFrequencies: Float32Array;
  tokenNoisePhases: Float32Array;
  tokenNoiseAmplitude: number;
  outputScale: number;
  /** exp(logit_scale) of the joint model, as in CLIP (100). */
  logitScale: number;
}

export function createTinyClipWeights(seed = 20240512): TinyClipWeights {
  const random = new SeededRandom(seed);
  const dimension = tinyClipEmbeddingDimension;
  const classCount = stainClasses.length;
  const directions = random.orthonormalRows(classCount, dimension);

  const classDirections = new Float32Array(classCount * dimension);
  const tokenClassDirections = new Float32Array((classCount + 1) * dimension);
  directions.forEach((row, classIndex) => {
    classDirections.set(row, classIndex * dimension);
    tokenClassDirections.set(row, (classIndex + 1) * dimension);
  });

  const tokenNoiseFrequencies = new Float32Array(dimension);
  const tokenNoisePhases = new Float32Array(dimension);
  for (let index = 0; index < dimension; index += 1) {
    tokenNoiseFrequencies[index] = 0.05 + 0.95 * random.nextUniform();
    tokenNoisePhases[index] = 2 * Math.PI * random.nextUniform();
  }

  return {
    embeddingDimension: dimension,
    prototypesRgb: Float32Array.from(stainClasses.flatMap((stainClass) => stainClass.meanRgb)),
    classDirections,
    tokenClassDirections,
    // Norm ≈ |rgb − 0.5| · σ · √D ≈ 0.5 · 0.01 · 22.6 ≈ 0.1.
    colourProjection: random.gaussianArray(3 * dimension, 0.01),
    temperature: 0.01,
    tokenNoiseFrequencies,
    tokenNoisePhases,
    // Norm ≈ amplitude · √(D/2) ≈ 0.016 · 16 ≈ 0.25.
    tokenNoiseAmplitude: 0.016,
    outputScale: 8,
    logitScale: 100,
  };
}
