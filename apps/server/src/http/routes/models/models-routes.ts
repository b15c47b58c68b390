import { Hono } from 'hono';
import type { AppEnvironment } from '../../app-environment.ts';

/**
 * `GET /v1/models`: the models this server runs, in OpenAI's list shape, plus each one's task,
 * demo flag and, for the chat model, where it runs and its queue right now.
 */
export function modelsRoutes() {
  return new Hono<AppEnvironment>().get('/v1/models', (context) => {
    const runtime = context.get('runtime');
    const { imageTextEncoder, demoWarning } = runtime.models;
    const { languageModel } = runtime;
    const queue = languageModel.queue.stats();
    const chat = {
      id: languageModel.modelId,
      object: 'model',
      created: 0,
      owned_by:
        languageModel.provider === 'local'
          ? runtime.models.chat?.source.kind === 'generated'
            ? 'pathlens-generated'
            : runtime.models.chat?.source.kind === 'huggingface'
              ? runtime.models.chat.source.repository
              : 'local'
          : new URL(runtime.config.chatBaseUrl ?? 'http://upstream').host,
      task: 'chat',
      provider: languageModel.provider,
      context_length_tokens: languageModel.contextLengthTokens,
      demo: languageModel.demo,
      warning: languageModel.demo ? demoWarning : null,
      accepts_images: languageModel.acceptsImages,
      max_images_per_request: languageModel.maxImagesPerRequest,
      accepts_slide_tokens: languageModel.acceptsSlideEmbedding,
      queue: {
        concurrency: queue.concurrency,
        max_waiting: queue.maxWaiting,
        running: queue.running,
        waiting: queue.waiting,
        rejected: queue.rejected,
      },
    };
    const encoder = {
      id: imageTextEncoder.id,
      object: 'model',
      created: 0,
      owned_by:
        imageTextEncoder.source.kind === 'generated' ? 'pathlens-generated' : imageTextEncoder.source.repository,
      task: imageTextEncoder.task,
      embedding_dimension: imageTextEncoder.embeddingDimension,
      demo: imageTextEncoder.demo,
      warning: imageTextEncoder.demo ? demoWarning : null,
      accepts_images: false,
      accepts_slide_tokens: false,
    };
    return context.json({ object: 'list', data: [chat, encoder], demo_warning: demoWarning });
  });
}
