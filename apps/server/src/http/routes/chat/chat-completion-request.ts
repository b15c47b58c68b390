import { z } from 'zod';
import { plainText } from '../../plain-text.ts';

const textPart = z.object({ type: z.literal('text'), text: plainText() });

/** OpenAI's vision content part: a data URL, or an http(s) URL on an allowed host (CHAT_IMAGE_URL_HOSTS). */
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({
    url: z.string().min(1, 'image_url.url must be a data: URL or an http(s) URL'),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});

/** A picture named in a message, before it is fetched or decoded. */
export interface ImageReference {
  url: string;
}

const message = z
  .object({
    role: z.enum(['system', 'user', 'assistant']),
    /** A string, or OpenAI's array of content parts (text and, in user messages, image_url). */
    content: z.union([plainText(), z.array(z.discriminatedUnion('type', [textPart, imagePart]))]),
  })
  .transform(({ role, content }) => {
    if (typeof content === 'string') return { role, content, imageReferences: [] as ImageReference[] };
    const text = content.flatMap((part) => (part.type === 'text' ? [part.text] : [])).join('\n');
    const imageReferences = content.flatMap((part) => (part.type === 'image_url' ? [{ url: part.image_url.url }] : []));
    return { role, content: text, imageReferences };
  })
  .refine((parsed) => parsed.role === 'user' || parsed.imageReferences.length === 0, {
    message: 'image_url parts are accepted in user messages only',
  });
/** A parameter that would change what the answer is, refused rather than silently ignored. */
const refused = (name: string, why: string) =>
  z
    .unknown()
    .refine((value) => value === undefined || value === null, `${name} is not supported: ${why}`)
    .optional();

/** OpenAI parameters PathLens cannot honour and that change the meaning of the answer (400, never ignored). */
const unsupportedParameters = {
  tools: refused('tools', 'PathLens answers from its own evidence and calls no tools; send the question without tools'),
  tool_choice: refused('tool_choice', 'PathLens calls no tools; omit tool_choice'),
  functions: refused('functions', 'PathLens calls no functions; omit functions'),
  function_call: refused('function_call', 'PathLens calls no functions; omit function_call'),
};

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
  /** vLLM's extension: the answer does not end before this many tokens (at most the maximum). */
  min_tokens: z.number().int().min(0).max(4096).optional(),
  n: z.literal(1, 'PathLens answers with one choice; omit n or send 1').optional(),
  slide_id: z.string().uuid('slide_id must be a slide id (a UUID) from POST /v1/slides').optional(),
  conversation_id: z.string().uuid('conversation_id must be the id a previous answer returned').optional(),
  /** OpenAI's; only plain text answers are written (JSON output would change what the answer is). */
  response_format: z
    .object({
      type: z.literal(
        'text',
        'PathLens writes text answers with [n] citations: omit response_format or send {"type": "text"}',
      ),
    })
    .passthrough()
    .optional(),
  ...unsupportedParameters,
});

export type ChatCompletionRequest = z.output<typeof chatCompletionRequest>;

export const defaultMaxTokens = 256;
