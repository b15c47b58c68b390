import OpenAI from 'openai';
import type { ChatMessage, GenerationEvent, GenerationRequest, LanguageModel } from '../language-model.ts';
import { GenerationQueue } from '../queue/generation-queue.ts';
import { takeTurn } from '../queue/take-turn.ts';
import { mapUpstreamError } from './map-upstream-error.ts';
import type { TokenCounter } from './token-counter.ts';

export interface OpenAiCompatibleOptions {
  /** The server's API root, ending in `/v1` (Ollama: `http://127.0.0.1:11434/v1`). */
  baseUrl: string;
  /** The model name the server knows (`llama3.1:8b`, a vLLM model path, …). */
  model: string;
  /** Sent as `Authorization: Bearer …`; most local servers ignore it. */
  apiKey?: string | undefined;
  /** The upstream model's window, prompt plus completion, in tokens. */
  contextLengthTokens: number;
  tokenCounter: TokenCounter;
  /** Generations sent upstream at once; the server may queue further itself. */
  concurrency: number;
  /** Requests that may wait here beyond those; one more is refused with `queue_full`. */
  maxWaiting: number;
  /** No answer (headers or the next token) for this long fails with `upstream_error`. */
  timeoutMs?: number | undefined;
  /** Injected for tests and proxies; the global `fetch` by default. */
  fetch?: typeof fetch | undefined;
  /** CHAT_UPSTREAM_SEES_IMAGES: pictures travel as `image_url` parts (data URLs); otherwise only text goes. */
  acceptsImages?: boolean | undefined;
  /** CHAT_UPSTREAM_MAX_IMAGES: most pictures one request sends upstream. */
  maxImagesPerRequest?: number | undefined;
}

type UpstreamMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** A message as OpenAI's API takes it: pictures (when the upstream sees them) as labelled `image_url` data-URL parts
 * before the text.
 */
export function toUpstreamMessage(message: ChatMessage, sendImages: boolean): UpstreamMessage {
  const images = sendImages && message.role === 'user' ? (message.images ?? []) : [];
  if (images.length === 0) return { role: message.role, content: message.content } as UpstreamMessage;
  const parts: OpenAI.Chat.Completions.ChatCompletionContentPart[] = images.flatMap((image) => [
    ...(image.label ? [{ type: 'text' as const, text: image.label }] : []),
    {
      type: 'image_url' as const,
      image_url: { url: `data:${image.mediaType};base64,${Buffer.from(image.bytes).toString('base64')}` },
    },
  ]);
  parts.push({ type: 'text', text: message.content });
  return { role: 'user', content: parts };
}

/**
 * Any OpenAI-compatible chat server (Ollama, llama.cpp server, vLLM, another PathLens)
 * behind the `LanguageModel` seam: its SSE stream is relayed token by token, aborting the
 * signal closes the upstream request, and its errors become ours (`mapUpstreamError`).
 *
 * @example
 * const model = new OpenAiCompatibleLanguageModel({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b', contextLengthTokens: 8192, tokenCounter, concurrency: 4, maxWaiting: 8 });
 */
/**
 * What one picture costs an upstream model, which PathLens cannot measure: OpenAI's count for a
 * 1024² high-detail picture (LLaVA-1.5 takes 576). An upstream that counts more says so in its own error.
 */
export const upstreamTokensPerImageEstimate = 765;

export class OpenAiCompatibleLanguageModel implements LanguageModel {
  readonly provider = 'openai-compatible';
  readonly demo = false;
  readonly acceptsSlideEmbedding = false;
  readonly slideTokenCount = 0;
  readonly acceptsImages: boolean;
  readonly maxImagesPerRequest: number;
  readonly promptTokensPerImage: number;
  readonly modelId: string;
  readonly contextLengthTokens: number;
  readonly queue: GenerationQueue;
  private readonly client: OpenAI;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.modelId = options.model;
    this.contextLengthTokens = options.contextLengthTokens;
    this.acceptsImages = options.acceptsImages ?? false;
    this.maxImagesPerRequest = this.acceptsImages ? (options.maxImagesPerRequest ?? 4) : 0;
    this.promptTokensPerImage = this.acceptsImages ? upstreamTokensPerImageEstimate : 0;
    this.queue = new GenerationQueue({ concurrency: options.concurrency, maxWaiting: options.maxWaiting });
    this.client = new OpenAI({
      baseURL: options.baseUrl,
      apiKey: options.apiKey || 'unused',
      maxRetries: 0, // a retry is the caller's decision (429 → retry-after)
      timeout: options.timeoutMs ?? 120_000,
      fetch: options.fetch,
    });
  }

  countTokens(text: string): number {
    return this.options.tokenCounter.countTokens(text);
  }

  async *generate(request: GenerationRequest): AsyncIterable<GenerationEvent> {
    const place = await takeTurn(this.queue, request);
    if (!place) {
      yield { type: 'finish', finishReason: 'cancelled', promptTokens: 0, completionTokens: 0 };
      return;
    }
    const upstream = { baseUrl: this.options.baseUrl, model: this.options.model };
    let text = '';
    let usage: { prompt_tokens: number; completion_tokens: number } | null = null;
    let finishReason: string | null = null;
    try {
      let stream;
      try {
        stream = await this.client.chat.completions.create(
          {
            model: this.options.model,
            messages: request.messages.map((message) => toUpstreamMessage(message, this.acceptsImages)),
            max_tokens: request.maxNewTokens,
            // vLLM's and llama.cpp's extension; sent only when asked for (OpenAI itself has no minimum)
            ...(request.minNewTokens ? { min_tokens: request.minNewTokens } : {}),
            temperature: request.temperature,
            stream: true,
            stream_options: { include_usage: true },
          },
          { signal: request.signal },
        );
      } catch (error) {
        if (error instanceof OpenAI.APIUserAbortError || request.signal?.aborted) {
          yield { type: 'finish', finishReason: 'cancelled', promptTokens: 0, completionTokens: 0 };
          return;
        }
        throw mapUpstreamError(error, upstream);
      }
      try {
        for await (const chunk of stream) {
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices[0];
          if (!choice) continue;
          const delta = choice.delta?.content;
          if (delta) {
            text += delta;
            yield { type: 'text', text: delta };
          }
          if (choice.finish_reason) finishReason = choice.finish_reason;
        }
      } catch (error) {
        if (!(error instanceof OpenAI.APIUserAbortError) && !request.signal?.aborted)
          throw mapUpstreamError(error, upstream);
      } finally {
        // the consumer stopped early: close the upstream request
        if (!stream.controller.signal.aborted) stream.controller.abort();
      }
      const cancelled = request.signal?.aborted === true;
      const promptTokens =
        usage?.prompt_tokens ?? this.countTokens(request.messages.map((message) => message.content).join('\n'));
      const completionTokens = usage?.completion_tokens ?? this.countTokens(text);
      yield {
        type: 'finish',
        finishReason: cancelled ? 'cancelled' : finishReason === 'length' ? 'length' : 'stop',
        promptTokens,
        completionTokens,
      };
    } finally {
      place.leave();
    }
  }

  async dispose(): Promise<void> {}
}
