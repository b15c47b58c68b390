import { Hono } from 'hono';
import { z } from 'zod';
import { PathLensError, quotePrefix } from '@pathlens/core';
import type { AppEnvironment } from '../../app-environment.ts';
import { parseJson } from '../../parse-request.ts';

/** Texts per request; more is a 400 that says to batch. */
export const maxEmbeddingInputs = 256;

const embeddingsRequest = z.object({
  input: z.union([
    z.string().min(1, 'input is empty'),
    z.array(z.string().min(1, 'an input text is empty')).min(1, 'send at least one text').max(maxEmbeddingInputs, `send at most ${maxEmbeddingInputs} texts per request`),
    z.array(z.any()).transform((_value, context) => {
      context.addIssue({ code: 'custom', message: 'PathLens embeds text: send a string or an array of strings, not token ids' });
      return z.NEVER;
    }),
  ]),
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
      throw new PathLensError('model_not_found', `Model ${quotePrefix(request.model)} is not the embedding model here; use "${encoder.modelId}" (or "pathlens").`, { param: 'model' });
    }
    if (request.dimensions !== undefined && request.dimensions !== encoder.embeddingDimension) {
      throw new PathLensError('invalid_request', `${encoder.modelId} makes ${encoder.embeddingDimension}-d embeddings; omit dimensions or send ${encoder.embeddingDimension}.`, { param: 'dimensions' });
    }
    const texts = typeof request.input === 'string' ? [request.input] : request.input;
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += encoder.maxBatchSize) vectors.push(...(await encoder.embedTexts(texts.slice(start, start + encoder.maxBatchSize))));
    // The text encoder does not expose its tokenizer: usage is estimated as words, capped at its limit.
    const promptTokens = texts.reduce((sum, text) => sum + Math.min(encoder.maxTokens, text.split(/\s+/).filter(Boolean).length + 2), 0);
    return context.json({
      object: 'list',
      data: vectors.map((vector, index) => ({ object: 'embedding', index, embedding: request.encoding_format === 'base64' ? toBase64(vector) : Array.from(vector) })),
      model: encoder.modelId,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    });
  });
}
