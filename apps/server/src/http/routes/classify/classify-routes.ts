import { Hono } from 'hono';
import { z } from 'zod';
import { PathLensError } from '@pathlens/core';
import {
  classifyImages,
  classifyPair,
  classifyPatch,
  classifySlide,
  parseLabelSet,
  slideClassificationMethods,
  type LabelSet,
  type ZeroShotPrediction,
} from '@pathlens/retrieval';
import type { AppEnvironment } from '../../app-environment.ts';
import type { Runtime } from '../../../runtime/runtime.ts';
import { demoProbabilityNote, encoderDemoFields } from '../../demo-warning.ts';
import { parseValue } from '../../parse-request.ts';
import { readImageRequest } from '../search/image-request.ts';

const classifyRequest = z.object({
  /** A label-set id, or (JSON only) a whole label set in the label-sets/README.md format. */
  label_set: z.union([z.string().min(1), z.record(z.string(), z.unknown())], {
    message: 'label_set is required: a label-set id (GET /v1/label-sets) or a label set object',
  }),
  pair_id: z.string().uuid('pair_id must be a library pair id (a UUID)').optional(),
  patch_id: z.coerce.number().int().positive('patch_id must be a positive integer').optional(),
  slide_id: z.string().uuid('slide_id must be a slide id (a UUID from GET /v1/slides)').optional(),
  method: z.enum(slideClassificationMethods).optional(),
  top_k: z.coerce.number().int().min(1).max(10_000).optional(),
});

/**
 * `POST /v1/classify`: zero-shot class probabilities for one image (multipart `image`, or JSON
 * `image` data URL), a library pair (`pair_id`), a slide patch (`patch_id`) or a whole slide
 * (`slide_id`, with `method` mean-embedding | patch-votes | top-k-pooling and `top_k`).
 */
export function classifyRoutes() {
  return new Hono<AppEnvironment>().post('/v1/classify', async (context) => {
    const runtime = context.get('runtime');
    const { fields, image } = await readImageRequest(context);
    const request = parseValue(classifyRequest, fields, 'request');
    const inputs = [image, request.pair_id, request.patch_id, request.slide_id].filter(
      (value) => value !== undefined,
    ).length;
    if (inputs !== 1)
      throw new PathLensError(
        'invalid_request',
        'Give exactly one thing to classify: an uploaded "image", a "pair_id", a "patch_id" or a "slide_id".',
        { param: 'image' },
      );
    if (!request.slide_id && (request.method || request.top_k))
      throw new PathLensError('invalid_request', 'method and top_k apply to a whole slide (slide_id) only.', {
        param: 'method',
      });
    const labelSet = resolveLabelSet(runtime, request.label_set);
    const options = { defaultLogitScale: runtime.config.zeroShotLogitScale };
    const demoFields = encoderDemoFields(runtime);
    const base = {
      object: 'classification' as const,
      label_set: labelSet.id,
      model: runtime.textEncoder.modelId,
      ...demoFields,
    };
    const predictionView = (prediction: ZeroShotPrediction) => zeroShotView(prediction, demoFields.demo);
    if (image) {
      const [prediction] = await classifyImages(runtime, [image], labelSet, options);
      return context.json({ ...base, input: { kind: 'image' }, ...predictionView(prediction!) });
    }
    if (request.pair_id)
      return context.json({
        ...base,
        input: { kind: 'pair', id: request.pair_id },
        ...predictionView(await classifyPair(runtime, request.pair_id, labelSet, options)),
      });
    if (request.patch_id !== undefined) {
      const prediction = await classifyPatch(runtime, request.patch_id, labelSet, options);
      return context.json({
        ...base,
        input: { kind: 'patch', id: String(request.patch_id), slide_id: prediction.slideId },
        ...predictionView(prediction),
      });
    }
    const result = await classifySlide(runtime, request.slide_id!, labelSet, {
      ...options,
      method: request.method,
      topK: request.top_k,
    });
    return context.json({
      ...base,
      input: { kind: 'slide', id: result.slideId },
      method: result.method,
      patch_count: result.patchCount,
      ...(result.topK !== undefined ? { top_k: result.topK } : {}),
      ...(result.votes ? { votes: result.votes } : {}),
      ...predictionView(result),
    });
  });
}

function resolveLabelSet(runtime: Runtime, labelSet: string | Record<string, unknown>): LabelSet {
  if (typeof labelSet === 'string') {
    // A multipart form can only send text: a JSON object there is an inline label set too.
    if (labelSet.trimStart().startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(labelSet);
      } catch {
        throw new PathLensError(
          'invalid_request',
          'label_set looks like JSON but does not parse; send a label-set id or a valid JSON label set.',
          { param: 'label_set' },
        );
      }
      return parseLabelSet(parsed, { origin: '(request label_set)', builtIn: false, code: 'invalid_request' });
    }
    return runtime.labelSets.get(labelSet);
  }
  return parseLabelSet(labelSet, { origin: '(request label_set)', builtIn: false, code: 'invalid_request' });
}

/** Classes most probable first, with the winner separately; from a demo encoder, the winner's probability says so. */
function zeroShotView(prediction: ZeroShotPrediction, demo: boolean) {
  return {
    logit_scale: prediction.logitScale,
    predicted: {
      id: prediction.predicted.id,
      name: prediction.predicted.name,
      probability: prediction.predicted.probability,
      ...(demo ? { probability_note: demoProbabilityNote } : {}),
    },
    classes: [...prediction.classes]
      .sort((left, right) => right.probability - left.probability)
      .map((labelClass) => ({
        id: labelClass.id,
        name: labelClass.name,
        probability: labelClass.probability,
        similarity: labelClass.similarity,
      })),
  };
}
