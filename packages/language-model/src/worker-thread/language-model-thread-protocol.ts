import type { SerialisedError } from '@pathlens/core';
import type { GenerationEvent, GenerationRequest, LanguageModelProvider } from '../language-model.ts';
import type { LanguageModelSettings } from '../load-language-model.ts';

/**
 * A generation request as it crosses to the thread: every field of `GenerationRequest` but the
 * two that belong to this side (the abort signal becomes a `cancel` message; the queue place
 * stays with the parent's queue). Plain objects and typed arrays only (structured clone).
 */
export type ThreadGenerationRequest = Omit<GenerationRequest, 'signal' | 'place'>;

/** What the loaded model declares, sent once when the thread is ready. */
export interface LanguageModelThreadLimits {
  modelId: string;
  provider: LanguageModelProvider;
  contextLengthTokens: number;
  demo: boolean;
  acceptsSlideEmbedding: boolean;
  acceptsImages: boolean;
  maxImagesPerRequest: number;
  promptTokensPerImage: number;
  slideTokenCount: number;
  /** The loaded model's own `queue.concurrency`: generations it can run at once. */
  concurrency: number;
}

export type LanguageModelThreadMessage =
  | { type: 'generate'; id: number; request: ThreadGenerationRequest }
  | { type: 'cancel'; id: number }
  | { type: 'dispose' };

export type LanguageModelThreadReply =
  | { type: 'ready'; limits: LanguageModelThreadLimits }
  | { type: 'load-failed'; error: SerialisedError }
  | { type: 'event'; id: number; event: GenerationEvent }
  /** The generation's iterator ended (after its `finish` event), or threw `error`. */
  | { type: 'ended'; id: number; error?: SerialisedError };

/** What the thread loads: any structured-clone-able `LanguageModelSettings` (the local provider's are). */
export interface LanguageModelThreadData {
  settings: LanguageModelSettings;
}
