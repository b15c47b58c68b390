import { z } from 'zod';
import { plainText } from '../../plain-text.ts';

const textPart = z.object({ type: z.literal('text'), text: z.string() });

const message = z.object({
  role: z.enum(['system', 'user', 'assistant']),
  /** A string, or OpenAI's array of content parts (text parts only). */
  content: z
    .union([z.string(), z.array(textPart).transform((parts) => parts.map((part) => part.text).join('\n'))])
    .pipe(plainText()),
});

/** OpenAI's chat completions request, plus PathLens's `slide_id` and `conversation_id`. */
export const chatCompletionRequest = z.object({
  model: z.string().min(1).optional(),
  messages: z.array(message).min(1, 'send at least one message').max(200),
  stream: z.boolean().default(false),
  /** OpenAI's: with `include_usage`, a last chunk (empty `choices`) carries the token usage. */
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  temperature: z.number().min(0).max(2).default(0),
  max_tokens: z.number().int().min(1).max(4096).optional(),
  max_completion_tokens: z.number().int().min(1).max(4096).optional(),
  n: z.literal(1, 'PathLens answers with one choice; omit n or send 1').optional(),
  slide_id: z.string().uuid('slide_id must be a slide id (a UUID) from POST /v1/slides').optional(),
  conversation_id: z.string().uuid('conversation_id must be the id a previous answer returned').optional(),
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequest>;

export const defaultMaxTokens = 256;
