export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface GenerationRequest {
  messages: ChatMessage[];
  /** Upper bound on generated tokens. */
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature: number;
  /** Aborting stops generation between tokens (a client that disconnects). */
  signal?: AbortSignal | undefined;
  /**
   * Extra inputs for models that take them beside text, e.g. a slide embedding that a
   * bundled projector turns into soft tokens (SlideChat/LLaVA style). Models that don't
   * declare `acceptsSlideEmbedding` ignore it; the assistant passes it whenever it has one.
   */
  slideEmbedding?: Float32Array | undefined;
}

export type FinishReason = 'stop' | 'length' | 'cancelled';

/** What a streaming generation yields: text deltas, then one final event. */
export type GenerationEvent =
  | { type: 'text'; text: string }
  | { type: 'finish'; finishReason: FinishReason; promptTokens: number; completionTokens: number };

/** The language-model seam: a local model in-process, or an OpenAI-compatible server. */
export interface LanguageModel {
  readonly modelId: string;
  /** Prompt plus completion, in tokens. */
  readonly contextLengthTokens: number;
  /** True for generated demo models whose output means nothing clinically. */
  readonly demo: boolean;
  readonly acceptsSlideEmbedding: boolean;
  /** Tokens the model's own tokenizer makes of a text (for fitting evidence into context). */
  countTokens(text: string): number;
  /** Stream a reply; the iterator ends after the `finish` event. */
  generate(request: GenerationRequest): AsyncIterable<GenerationEvent>;
  dispose(): Promise<void>;
}
