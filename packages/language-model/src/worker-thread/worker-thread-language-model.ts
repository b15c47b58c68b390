import type { Worker } from 'node:worker_threads';
import { deserialiseError, PathLensError, startWorkerThread } from '@pathlens/core';
import { AsyncEventQueue } from '../async-event-queue.ts';
import type { GenerationEvent, GenerationRequest, LanguageModel } from '../language-model.ts';
import type { LanguageModelSettings } from '../load-language-model.ts';
import type { TokenCounter } from '../openai-compatible/token-counter.ts';
import { GenerationQueue } from '../queue/generation-queue.ts';
import { takeTurn } from '../queue/take-turn.ts';
import type {
  LanguageModelThreadData,
  LanguageModelThreadLimits,
  LanguageModelThreadMessage,
  LanguageModelThreadReply,
} from './language-model-thread-protocol.ts';

/**
 * Any `LanguageModel` that `loadLanguageModel` makes, run in a `node:worker_threads` Worker
 * (meant for the local provider, whose generation and tokenizing are synchronous CPU work):
 * the server's event loop stays free while it writes, so health checks, search and streaming
 * answer at once. The queue (and its `queue_full` / retry-after answers) lives on this side;
 * requests cross as plain objects, events come back one message each. Counting tokens
 * (synchronous in the interface) uses the model's tokenizer on this side.
 *
 * @example
 * const model = await WorkerThreadLanguageModel.load(settings, { queueSize: 8, tokenCounter: await loadTokenCounter({
 * modelsDir, modelId }) });
 */
export class WorkerThreadLanguageModel implements LanguageModel {
  readonly queue: GenerationQueue;
  readonly #streams = new Map<number, AsyncEventQueue<GenerationEvent>>();
  #nextId = 1;
  #stopped: Error | null = null;
  #disposing = false;
  readonly #exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    private readonly limits: LanguageModelThreadLimits,
    private readonly tokenCounter: TokenCounter,
    queueSize: number,
  ) {
    this.queue = new GenerationQueue({ concurrency: limits.concurrency, maxWaiting: queueSize });
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: LanguageModelThreadReply) => this.#receive(reply));
    worker.on('error', (error) => this.#stop(error));
    worker.on('exit', (exitCode) => this.#stop(new Error(`exit code ${exitCode}`)));
    worker.unref();
  }

  /** Start the thread and wait until the model has loaded; a load failure is thrown here, as `loadLanguageModel` would
   * throw it.
   */
  static async load(
    settings: LanguageModelSettings,
    options: { queueSize: number; tokenCounter: TokenCounter },
  ): Promise<WorkerThreadLanguageModel> {
    const data: LanguageModelThreadData = { settings };
    const name = `The language model thread for ${settings.provider === 'local' ? settings.modelId : settings.model}`;
    const { worker, limits } = await startWorkerThread<LanguageModelThreadLimits>(
      new URL('./language-model-thread-entry.js', import.meta.url),
      data,
      name,
    );
    return new WorkerThreadLanguageModel(worker, limits, options.tokenCounter, options.queueSize);
  }

  get modelId(): string {
    return this.limits.modelId;
  }
  get provider() {
    return this.limits.provider;
  }
  get contextLengthTokens(): number {
    return this.limits.contextLengthTokens;
  }
  get demo(): boolean {
    return this.limits.demo;
  }
  get acceptsSlideEmbedding(): boolean {
    return this.limits.acceptsSlideEmbedding;
  }
  get acceptsImages(): boolean {
    return this.limits.acceptsImages;
  }
  get maxImagesPerRequest(): number {
    return this.limits.maxImagesPerRequest;
  }

  get promptTokensPerImage(): number {
    return this.limits.promptTokensPerImage;
  }

  get slideTokenCount(): number {
    return this.limits.slideTokenCount;
  }

  countTokens(text: string): number {
    return this.tokenCounter.countTokens(text);
  }

  async *generate(request: GenerationRequest): AsyncIterable<GenerationEvent> {
    const place = await takeTurn(this.queue, request);
    if (!place) {
      yield { type: 'finish', finishReason: 'cancelled', promptTokens: 0, completionTokens: 0 };
      return;
    }
    const id = this.#nextId++;
    const cancel = () => this.#post({ type: 'cancel', id });
    try {
      if (this.#stopped) throw this.#stopped;
      const stream = new AsyncEventQueue<GenerationEvent>();
      this.#streams.set(id, stream);
      if (this.#streams.size === 1) this.worker.ref(); // a generation keeps the process alive until it ends
      const { signal, place: _place, ...payload } = request;
      request.signal?.addEventListener('abort', cancel);
      this.#post({ type: 'generate', id, request: payload });
      try {
        yield* stream;
      } finally {
        request.signal?.removeEventListener('abort', cancel);
        if (this.#streams.has(id)) cancel(); // the consumer stopped early: stop the thread's generation too
      }
    } finally {
      place.leave();
    }
  }

  /** Stop generations in progress, free the model, and end the thread. */
  async dispose(): Promise<void> {
    if (!this.#stopped && !this.#disposing) {
      this.#disposing = true;
      this.worker.ref();
      this.#post({ type: 'dispose' });
    }
    await this.#exited;
  }

  #post(message: LanguageModelThreadMessage): void {
    if (!this.#stopped) this.worker.postMessage(message);
  }

  #receive(reply: LanguageModelThreadReply): void {
    if (reply.type !== 'event' && reply.type !== 'ended') return;
    const stream = this.#streams.get(reply.id);
    if (!stream) return;
    if (reply.type === 'event') return stream.push(reply.event);
    this.#streams.delete(reply.id);
    if (this.#streams.size === 0 && !this.#disposing) this.worker.unref();
    stream.close(reply.error ? deserialiseError(reply.error) : null);
  }

  /** The thread is gone (disposed, crashed or killed): fail what is running and every later generation. */
  #stop(reason: Error): void {
    this.#stopped ??= new PathLensError(
      'internal_error',
      this.#disposing
        ? `The language model ${this.limits.modelId} was disposed; load it again to generate more.`
        : `The language model thread for ${this.limits.modelId} has stopped (${reason.message}); restart PathLens to load the model again.`,
      {},
      { cause: reason },
    );
    for (const stream of this.#streams.values()) stream.close(this.#stopped);
    this.#streams.clear();
  }
}
