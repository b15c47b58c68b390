import type { Runtime } from '../runtime/runtime.ts';

/** What a response computed with the image–text encoder adds when that encoder is a generated demo model. */
export interface EncoderDemoFields {
  /** True when the numbers came from a generated demo encoder: they mean nothing about pathology. */
  demo: boolean;
  warnings: string[];
}

/**
 * `demo` and `warnings` for every response the image–text encoder computed (search, classify,
 * embeddings, heatmaps): the demo warning whenever that encoder is a generated demo model.
 * PNG responses carry it as the `x-pathlens-warning` header.
 */
export function encoderDemoFields(runtime: Runtime): EncoderDemoFields {
  const demo = runtime.models.imageTextEncoder.demo;
  return { demo, warnings: demo && runtime.models.demoWarning ? [runtime.models.demoWarning] : [] };
}

/** How a zero-shot probability from a demo encoder is labelled beside it. */
export const demoProbabilityNote = 'from a generated demo encoder: not a meaningful probability';
