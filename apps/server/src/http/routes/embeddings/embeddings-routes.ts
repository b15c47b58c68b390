import { Hono } from 'hono';
import { z } from 'zod';
import { PathLensError, quotePrefix } from '@pathlens/core';
import type { AppEnvironment } from '../../app-environment.ts';
import { encoderDemoFields } from '../../demo-warning.ts';
import { parseJson } from '../../parse-request.ts';

/** Texts per request; more is a 400 that says to batch. */
export const maxEmbeddingInputs = 256;

const embeddingsRequest = z.object({
  // One schema per shape, checked in order, so the message names the problem (a union would say only "Invalid input").
  input: z.unknown().transform((value, context) => {
    if (typeof value === 'string') {
      if (!value) context.addIssue({ code: 'custom', message: 'input is empty: send the text to embed' });
      return [value];
    }
    if (!Array.isArray(value)) {
      context.addIssue({ code: 'custom', message: 'send input as a string or an array of strings' });
      return z.NEVER;
    }
    if (value.length === 0) context.addIssue({ code: 'custom', message: 'send at least one text' });
    if (value.length > maxEmbeddingInputs) {
      context.addIssue({
        code: 'custom',
        message: `${value.length} texts is over the limit of ${maxEmbeddingInputs} per request: send them in batches of at most ${maxEmbeddingInputs}`,
      });
    }
    const notText = value.findIndex((entry) => typeof entry !== 'string');
    if (notText >= 0) {
      context.addIssue({
        code: 'custom',
        message: `input[${notText}] is not a string: PathLens embeds text, not token ids; send the texts themselves`,
      });
    } else {
      const empty = value.findIndex((entry) => entry === '');
      if (empty >= 0) context.addIssue({ code: 'custom', message: `input[${empty}] is empty` });
    }
    return value as string[];
  }),
  model: z.string().min(1).optional(),
  encoding_format: z.enum(['float', 'base64']).default('float'),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
});

/** A vector as OpenAI's `base64` encoding: the float32 values' little-endian bytes. */
function toBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}

/**
 * `POST /v1/embeddings`: texts through the image–text encoder's text tower (so they can be
 * compared with slide patches and library images), in OpenAI's embeddings response shape.
 * Vectors are L2-normalised; texts longer than the encoder takes are truncated.
 */
export function embeddingsRoutes() {
  return new Hono<AppEnvironment>().post('/v1/embeddings', async (context) => {
    const runtime = context.get('runtime');
    const request = await parseJson(context, embeddingsRequest);
    const encoder = runtime.textEncoder;
    if (request.model && request.model !== encoder.modelId && request.model !== 'pathlens') {
      throw new PathLensError(
        'model_not_found',
        `Model ${quotePrefix(request.model)} is not the embedding model here; use "${encoder.modelId}" (or "pathlens").`,
        { param: 'model' },
      );
    }
    if (request.dimensions !== undefined && request.dimensions !== encoder.embeddingDimension) {
      throw new PathLensError(
        'invalid_request',
        `${encoder.modelId} makes ${encoder.embeddingDimension}-d embeddings; omit dimensions or send ${encoder.embeddingDimension}.`,
        { param: 'dimensions' },
      );
    }
    const texts = request.input;
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += encoder.maxBatchSize)
      vectors.push(...(await encoder.embedTexts(texts.slice(start, start + encoder.maxBatchSize))));
    // The text encoder does not expose its tokenizer: usage is estimated as words, capped at its limit.
    const promptTokens = texts.reduce(
      (sum, text) => sum + Math.min(encoder.maxTokens, text.split(/\s+/).filter(Boolean).length + 2),
      0,
    );
    return context.json({
      object: 'list',
      data: vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: request.encoding_format === 'base64' ? toBase64(vector) : Array.from(vector),
      })),
      model: encoder.modelId,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      ...encoderDemoFields(runtime),
    });
  });
}
