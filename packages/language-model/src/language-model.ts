import type { GenerationQueue, QueuePlace } from './queue/generation-queue.ts';

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/**
 * A slide as a model that ships a trained projector can take it (SlideChat, LLaVA-style
 * bundles): the aggregated slide embedding, in the image–text encoder's space. A model whose
 * `acceptsSlideEmbedding` is true projects it (`projector: embedding → k × hidden size`)
 * into `k` soft tokens placed where `placeholder` appears in the first user message (or
 * before it when absent). Every other model ignores it and reads the same slide as evidence
 * text, so the assistant always sends both and never branches on the model.
 */
export interface SlideEmbeddingInput {
  /** L2-normalised, `encoderId`'s width (512 here). */
  vector: Float32Array;
  /** The image–text encoder that made it; a projector trained for another refuses it. */
  encoderId: string;
  /** Marker text the soft tokens replace; `<slide>` by convention. */
  placeholder: string;
}

export interface GenerationRequest {
  messages: ChatMessage[];
  /** Upper bound on generated tokens. */
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature: number;
  /**
   * Aborting stops generation between tokens (a client that disconnects), or leaves the
   * queue when the request is still waiting; the stream then ends with `finishReason: 'cancelled'`.
   */
  signal?: AbortSignal | undefined;
  /**
   * A place already taken in this model's `queue` (callers that must refuse a full queue
   * before doing other work join first). When absent, `generate` joins the queue itself and
   * its first iteration throws `queue_full` when the queue is full. Left when generation ends.
   */
  place?: QueuePlace | undefined;
  /** See `SlideEmbeddingInput`; ignored unless `acceptsSlideEmbedding`. */
  slideEmbedding?: SlideEmbeddingInput | undefined;
}

export type FinishReason = 'stop' | 'length' | 'cancelled';

/** What a streaming generation yields: text deltas, then one final event. */
export type GenerationEvent =
  | { type: 'text'; text: string }
  | { type: 'finish'; finishReason: FinishReason; promptTokens: number; completionTokens: number };

/** Where generation runs. */
export type LanguageModelProvider = 'local' | 'openai-compatible';

/** The language-model seam: a local model in-process, or an OpenAI-compatible server. */
export interface LanguageModel {
  /** The id clients see and the audit records (a manifest id, or the upstream model name). */
  readonly modelId: string;
  readonly provider: LanguageModelProvider;
  /** Prompt plus completion, in tokens. */
  readonly contextLengthTokens: number;
  /** True for generated demo models whose output means nothing clinically. */
  readonly demo: boolean;
  /** True when the model takes `GenerationRequest.slideEmbedding` as soft tokens. */
  readonly acceptsSlideEmbedding: boolean;
  /** The bounded FIFO queue every generation of this loaded model goes through. */
  readonly queue: GenerationQueue;
  /**
   * Tokens in a text: the model's own tokenizer when it has one here; for an upstream model
   * without a local tokenizer, an estimate that errs high (see `estimateTokens`).
   */
  countTokens(text: string): number;
  /**
   * Stream a reply; the iterator ends after the `finish` event. Upstream and model failures
   * throw `PathLensError`s (`upstream_error`, `queue_full`, …).
   */
  generate(request: GenerationRequest): AsyncIterable<GenerationEvent>;
  dispose(): Promise<void>;
}
