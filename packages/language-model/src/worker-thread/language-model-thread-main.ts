/**
 * The worker thread's side of `WorkerThreadLanguageModel`: load the configured model with
 * `loadLanguageModel`, then run the generations the parent sends, streaming their events
 * back. The model's `session.run` and tokenizing block this thread, not the server's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serialiseError } from '@pathlens/core';
import type { LanguageModel } from '../language-model.ts';
import { loadLanguageModel } from '../load-language-model.ts';
import type {
  LanguageModelThreadData,
  LanguageModelThreadMessage,
  LanguageModelThreadReply,
  ThreadGenerationRequest,
} from './language-model-thread-protocol.ts';

const port = parentPort;
if (!port) throw new Error('language-model-thread-main runs inside a worker thread (see WorkerThreadLanguageModel)');
const reply = (message: LanguageModelThreadReply) => port.postMessage(message);

async function load(): Promise<LanguageModel | null> {
  try {
    return await loadLanguageModel((workerData as LanguageModelThreadData).settings);
  } catch (error) {
    reply({ type: 'load-failed', error: serialiseError(error) });
    port!.close(); // the thread ends: the parent has the reason
    return null;
  }
}

const model = await load();
if (model) {
  const cancels = new Map<number, AbortController>();

  const generate = async (id: number, request: ThreadGenerationRequest): Promise<void> => {
    const cancel = new AbortController();
    cancels.set(id, cancel);
    try {
      for await (const event of model.generate({ ...request, signal: cancel.signal }))
        reply({ type: 'event', id, event });
      reply({ type: 'ended', id });
    } catch (error) {
      reply({ type: 'ended', id, error: serialiseError(error) });
    } finally {
      cancels.delete(id);
    }
  };

  port.on('message', (message: LanguageModelThreadMessage) => {
    if (message.type === 'generate') void generate(message.id, message.request);
    else if (message.type === 'cancel') cancels.get(message.id)?.abort();
    else {
      for (const cancel of cancels.values()) cancel.abort();
      void model.dispose().finally(() => port.close()); // nothing else keeps the thread alive: it exits
    }
  });
  reply({
    type: 'ready',
    limits: {
      modelId: model.modelId,
      provider: model.provider,
      contextLengthTokens: model.contextLengthTokens,
      demo: model.demo,
      acceptsSlideEmbedding: model.acceptsSlideEmbedding,
      acceptsImages: model.acceptsImages,
      maxImagesPerRequest: model.maxImagesPerRequest,
      promptTokensPerImage: model.promptTokensPerImage,
      slideTokenCount: model.slideTokenCount,
      concurrency: model.queue.concurrency,
    },
  });
}
