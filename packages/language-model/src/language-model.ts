import type { GenerationQueue, QueuePlace } from './queue/generation-queue.ts';

export type ChatRole = 'system' | 'user' | 'assistant';

/**
 * A picture shown to the model with a message: the encoded file as received or stored (PNG,
 * JPEG, WebP, TIFF), plain bytes so a request stays structured-clone-able for a worker thread.
 */
export interface MessageImage {
  bytes: Uint8Array;
  /** `image/png`, `image/jpeg`, … (sent as the data URL's type upstream). */
  mediaType: string;
  /** Text that introduces the picture, e.g. `Evidence [2]:`; `[n]` in the answer points at it. */
  label: string;
}

export interface ChatMessage {
  role: ChatRole;
  content: string;
  /**
   * Pictures placed before `content`, each after its label. Only models whose `acceptsImages`
   * is true see them; the assistant always describes the same pictures in text evidence too.
   */
  images?: MessageImage[] | undefined;
}

/**
 * A slide as a model that ships a slide encoder takes it (SlideChat-style bundles, see
 * models/README.md): the slide's stored patch embeddings, which the slide encoder turns into
 * K tokens in the decoder's embedding space, placed where `placeholder` appears in the first
 * user message (or before its text when absent). Every other model ignores it and reads the
 * same slide as evidence text, so the assistant always sends both and never branches on the model.
 */
export interface SlideEmbeddingInput {
  /** [N, dimension] row-major patch embeddings, as stored (L2-normalised). */
  patchEmbeddings: Float32Array;
  dimension: number;
  /** [N, 2] level-0 (x, y) of each patch's top-left corner, for encoders that use positions. */
  patchCoordinatesLevel0?: Float32Array | undefined;
  /** The image–text encoder that made the embeddings; a slide encoder trained for another refuses them. */
  encoderId: string;
  /** Marker text the slide tokens replace; `<slide>` by convention. */
  placeholder: string;
}

export interface GenerationRequest {
  messages: ChatMessage[];
  /** Upper bound on generated tokens. */
  maxNewTokens: number;
  /** The end-of-sequence token is refused until this many tokens are written (vLLM's `min_tokens`). */
  minNewTokens?: number | undefined;
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
  /** True when the model sees `ChatMessage.images` (a vision-language model). */
  readonly acceptsImages: boolean;
  /** Most pictures one request may carry (0 when `acceptsImages` is false). */
  readonly maxImagesPerRequest: number;
  /** Prompt tokens one picture takes at most (measured from the model's processor; 0 without pictures). */
  readonly promptTokensPerImage: number;
  /** Prompt tokens the slide tokens take (0 when `acceptsSlideEmbedding` is false). */
  readonly slideTokenCount: number;
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
