import { PathLensError, type ModelDtype } from '@pathlens/core';
import type { LanguageModel } from './language-model.ts';
import { OpenAiCompatibleLanguageModel } from './openai-compatible/openai-compatible-language-model.ts';
import { loadTokenCounter } from './openai-compatible/token-counter.ts';
import { TransformersLanguageModel } from './transformers/transformers-language-model.ts';
import { WorkerThreadLanguageModel } from './worker-thread/worker-thread-language-model.ts';

/** Which language model to run, as configuration describes it (CHAT_PROVIDER and friends). */
export type LanguageModelSettings =
  | {
      provider: 'local';
      modelsDir: string;
      /** Manifest id; its folder under `modelsDir`. */
      modelId: string;
      dtype?: ModelDtype | undefined;
      contextLengthTokens?: number | undefined;
      demo: boolean;
      /** CHAT_QUEUE_SIZE. */
      queueSize: number;
      /** CHAT_THREAD: `worker` generates in a worker thread (`WorkerThreadLanguageModel`); `main` (default here) in
       * this one.
       */
      thread?: 'worker' | 'main' | undefined;
    }
  | {
      provider: 'openai-compatible';
      /** CHAT_BASE_URL. */
      baseUrl: string | undefined;
      /** CHAT_UPSTREAM_MODEL. */
      model: string;
      /** CHAT_API_KEY. */
      apiKey?: string | undefined;
      /** CHAT_UPSTREAM_CONTEXT_TOKENS. */
      contextLengthTokens: number;
      /** CHAT_UPSTREAM_CONCURRENCY. */
      concurrency: number;
      queueSize: number;
      /** A manifest model whose local tokenizer counts tokens (CHAT_MODEL), when its folder is present. */
      tokenizer: { modelsDir: string; modelId: string | null };
      fetch?: typeof fetch | undefined;
      /** CHAT_UPSTREAM_SEES_IMAGES. */
      acceptsImages?: boolean | undefined;
      /** CHAT_UPSTREAM_MAX_IMAGES. */
      maxImagesPerRequest?: number | undefined;
    };

/**
 * The configured language model: chosen by configuration only, the rest of PathLens sees the
 * `LanguageModel` interface.
 *
 * @example
 * const model = await loadLanguageModel({ provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b', contextLengthTokens: 8192, concurrency: 4, queueSize: 8, tokenizer: { modelsDir: './models', modelId: null } });
 */
export async function loadLanguageModel(settings: LanguageModelSettings): Promise<LanguageModel> {
  if (settings.provider === 'local' && settings.thread === 'worker') {
    const tokenCounter = await loadTokenCounter({ modelsDir: settings.modelsDir, modelId: settings.modelId });
    return WorkerThreadLanguageModel.load(
      { ...settings, thread: 'main' },
      { queueSize: settings.queueSize, tokenCounter },
    );
  }
  if (settings.provider === 'local') {
    return TransformersLanguageModel.load({
      modelsDir: settings.modelsDir,
      modelId: settings.modelId,
      dtype: settings.dtype,
      contextLengthTokens: settings.contextLengthTokens,
      demo: settings.demo,
      queueSize: settings.queueSize,
    });
  }
  if (!settings.baseUrl) {
    throw new PathLensError(
      'invalid_config',
      'CHAT_PROVIDER=openai-compatible needs CHAT_BASE_URL: the server’s API root, e.g. http://127.0.0.1:11434/v1 for Ollama or http://127.0.0.1:8000/v1 for vLLM.',
    );
  }
  const tokenCounter = await loadTokenCounter(settings.tokenizer);
  return new OpenAiCompatibleLanguageModel({
    baseUrl: settings.baseUrl.replace(/\/+$/, ''),
    model: settings.model,
    apiKey: settings.apiKey,
    contextLengthTokens: settings.contextLengthTokens,
    tokenCounter,
    concurrency: settings.concurrency,
    maxWaiting: settings.queueSize,
    fetch: settings.fetch,
    acceptsImages: settings.acceptsImages,
    maxImagesPerRequest: settings.maxImagesPerRequest,
  });
}
