import type { Worker } from 'node:worker_threads';
import { deserialiseError, packImages, PathLensError, startWorkerThread } from '@pathlens/core';
import type { RgbPixels } from '../image-encoder.ts';
import {
  unpackEmbeddings,
  type EncoderThreadData,
  type EncoderThreadLimits,
  type EncoderThreadReply,
  type EncoderThreadRequest,
} from './encoder-thread-protocol.ts';

interface PendingCall {
  resolve: (embeddings: Float32Array[]) => void;
  reject: (error: Error) => void;
}

/**
 * One CLIP tower loaded in a `node:worker_threads` Worker, called like the in-process
 * encoder. Inputs and outputs cross as transferred buffers (one copy of the pixels into a
 * packed buffer, no serialisation). Calls run one at a time, in order. The thread does not
 * keep the process alive while no call is pending.
 */
export class EncoderThread {
  readonly #pending = new Map<number, PendingCall>();
  #nextId = 1;
  #stopped: Error | null = null;
  #disposing = false;
  #exited: Promise<void>;

  private constructor(
    private readonly worker: Worker,
    readonly limits: EncoderThreadLimits,
  ) {
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: EncoderThreadReply) => this.#settle(reply));
    worker.on('error', (error) => this.#stop(error));
    worker.on('exit', (exitCode) => this.#stop(new Error(`exit code ${exitCode}`)));
    worker.unref();
  }

  /** Start the thread and wait until it has loaded the model; a load failure is thrown here, as `Clip*Encoder.load`
   * would throw it.
   */
  static async start(data: EncoderThreadData): Promise<EncoderThread> {
    const { worker, limits } = await startWorkerThread<EncoderThreadLimits>(
      new URL('./encoder-thread-entry.js', import.meta.url),
      data,
      `The encoder thread for ${data.load.modelId}`,
    );
    return new EncoderThread(worker, limits);
  }

  embedImages(images: RgbPixels[]): Promise<Float32Array[]> {
    if (images.length === 0) return Promise.resolve([]);
    const packed = packImages(images);
    return this.#call((id) => ({ type: 'embed-images', id, images: packed }), [packed.pixels]);
  }

  embedTexts(texts: string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return Promise.resolve([]);
    return this.#call((id) => ({ type: 'embed-texts', id, texts }), []);
  }

  /** Let the calls already sent finish, free the model, and end the thread. */
  async dispose(): Promise<void> {
    if (!this.#stopped && !this.#disposing) {
      this.#disposing = true;
      this.worker.ref(); // wait for it even when nothing else keeps the process alive
      this.worker.postMessage({ type: 'dispose' } satisfies EncoderThreadRequest);
    }
    await this.#exited;
  }

  #call(request: (id: number) => EncoderThreadRequest, transfer: ArrayBuffer[]): Promise<Float32Array[]> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (this.#disposing) return Promise.reject(this.#disposedError());
    const id = this.#nextId++;
    const result = new Promise<Float32Array[]>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    if (this.#pending.size === 1) this.worker.ref(); // a pending call keeps the process alive until it settles
    this.worker.postMessage(request(id), transfer);
    return result;
  }

  #settle(reply: EncoderThreadReply): void {
    if (reply.type !== 'embedded' && reply.type !== 'failed') return;
    const call = this.#pending.get(reply.id);
    if (!call) return;
    this.#pending.delete(reply.id);
    if (this.#pending.size === 0 && !this.#disposing) this.worker.unref();
    if (reply.type === 'embedded') call.resolve(unpackEmbeddings(reply));
    else call.reject(deserialiseError(reply.error));
  }

  #disposedError(): PathLensError {
    return new PathLensError(
      'internal_error',
      `The encoder for ${this.limits.modelId} was disposed; load it again to embed more.`,
    );
  }

  /** The thread is gone (disposed, crashed or killed): fail what is pending and every later call. */
  #stop(reason: Error): void {
    this.#stopped ??= this.#disposing
      ? this.#disposedError()
      : new PathLensError(
          'internal_error',
          `The encoder thread for ${this.limits.modelId} has stopped (${reason.message}); restart PathLens to load the model again.`,
          {},
          { cause: reason },
        );
    for (const call of this.#pending.values()) call.reject(this.#stopped);
    this.#pending.clear();
  }
}
