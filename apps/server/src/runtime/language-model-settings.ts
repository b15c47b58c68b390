import type { Config } from '@pathlens/core';
import type { LanguageModelSettings } from '@pathlens/language-model';
import type { SelectedModels } from './select-models.ts';

/** CHAT_PROVIDER and its settings as the language-model factory takes them: the model is chosen by configuration only.
 *
 */
export function languageModelSettings(config: Config, models: SelectedModels): LanguageModelSettings {
  if (config.chatProvider === 'openai-compatible') {
    return {
      provider: 'openai-compatible',
      baseUrl: config.chatBaseUrl,
      model: config.chatUpstreamModel ?? config.chatModel,
      apiKey: config.chatApiKey,
      contextLengthTokens: config.chatUpstreamContextTokens,
      concurrency: config.chatUpstreamConcurrency,
      queueSize: config.chatQueueSize,
      tokenizer: { modelsDir: config.modelsDir, modelId: models.chat?.id ?? null },
      acceptsImages: config.chatUpstreamSeesImages,
      maxImagesPerRequest: config.chatUpstreamMaxImages,
    };
  }
  const chat = models.chat!; // selectModels always picks a local chat model for CHAT_PROVIDER=local
  return {
    provider: 'local',
    modelsDir: config.modelsDir,
    modelId: chat.id,
    dtype: chat.dtype,
    contextLengthTokens: chat.contextLengthTokens,
    demo: chat.demo,
    queueSize: config.chatQueueSize,
    thread: config.chatThread,
  };
}
