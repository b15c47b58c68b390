import type { Worker } from 'node:worker_threads';
import { deserialiseError, PathLensError, startWorkerThread, unpackImages } from '@pathlens/core';
import type { RgbImage } from '@pathlens/slide-reader';
import type { NewPrototype } from '@pathlens/store';
import type { GridCell } from '../../patch-grid.ts';
import type { EmbeddedPatch, PrototypeSettings } from '../../prototypes/slide-prototypes.ts';
import type {
  PatchReaderThreadData,
  PatchReaderThreadReply,
  PatchReaderThreadRequest,
} from './patch-reader-thread-protocol.ts';

interface PendingCall {
  resolve: (reply: PatchReaderThreadReply) => void;
  reject: (error: Error) => void;
}

/**
 * Patch reading in a `node:worker_threads` Worker with its own open slide: decoding (libvips), copying patches out of
 * decoded tiles, resizing and the stained-pixel check run there, so the ingesting thread only schedules, stores and
 * talks to the database. Patches come back in one transferred buffer per call. The slide's k-means prototypes are
 * computed here too, once its patches are stored. Calls are answered in order.
 *
 * @example
 * const thread = await PatchReaderThread.start({ filePath, readPlan, inputSizePx: 224, minStainedPixelFraction: 0.05,
 *   readsInFlight: 4 });
 * const patches = await thread.readPatches(cells); // null where a cell is background
 * await thread.close();
 */
export class PatchReaderThread {
  readonly #pending = new Map<number, PendingCall>();
  #nextId = 1;
  #stopped: Error | null = null;
  #closing = false;
  readonly #exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (reply: PatchReaderThreadReply) => this.#settle(reply));
    worker.on('error', (error) => this.#stop(error));
    worker.on('exit', (exitCode) => this.#stop(new Error(`exit code ${exitCode}`)));
  }

  /** Start the thread and open the slide in it; an open failure is thrown here, as `openSlide` would throw it. */
  static async start(data: PatchReaderThreadData): Promise<PatchReaderThread> {
    const { worker } = await startWorkerThread<Record<string, never>>(
      new URL('./patch-reader-thread-entry.js', import.meta.url),
      data,
      `The patch-reading thread for ${data.filePath}`,
    );
    return new PatchReaderThread(worker);
  }

  /** Each cell's patch at the encoder's input size, or null where its pixels are background. */
  async readPatches(cells: GridCell[]): Promise<(RgbImage | null)[]> {
    const reply = await this.#call((id) => ({
      type: 'read',
      id,
      cells: cells.map(({ xLevel0, yLevel0, sizeLevel0Px }) => ({ xLevel0, yLevel0, sizeLevel0Px })),
    }));
    if (reply.type !== 'patches') throw new PathLensError('internal_error', `unexpected reply ${reply.type}`);
    const images = unpackImages(reply.images);
    let next = 0;
    return reply.kept.map((kept) => (kept ? images[next++]! : null));
  }

  /** `computePrototypes` in the thread, so k-means does not hold up the ingesting thread. */
  async computePrototypes(patches: EmbeddedPatch[], settings: Partial<PrototypeSettings>): Promise<NewPrototype[]> {
    const dimension = patches[0]?.embedding.length ?? 0;
    const packed = new Float32Array(patches.length * dimension);
    patches.forEach((patch, row) => packed.set(patch.embedding, row * dimension));
    const reply = await this.#call(
      (id) => ({
        type: 'prototypes',
        id,
        patchIds: patches.map((patch) => patch.id),
        embeddings: packed.buffer,
        dimension,
        settings,
      }),
      [packed.buffer],
    );
    if (reply.type !== 'prototypes') throw new PathLensError('internal_error', `unexpected reply ${reply.type}`);
    return reply.prototypes;
  }

  #call(
    request: (id: number) => PatchReaderThreadRequest,
    transfer: ArrayBuffer[] = [],
  ): Promise<PatchReaderThreadReply> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (this.#closing)
      return Promise.reject(new PathLensError('internal_error', 'The patch-reading thread is closed.'));
    const id = this.#nextId++;
    const result = new Promise<PatchReaderThreadReply>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.worker.postMessage(request(id), transfer);
    return result;
  }

  /** Let the reads already sent finish, close the slide and end the thread. */
  async close(): Promise<void> {
    if (!this.#stopped && !this.#closing) {
      this.#closing = true;
      this.worker.postMessage({ type: 'close' } satisfies PatchReaderThreadRequest);
    }
    await this.#exited;
  }

  #settle(reply: PatchReaderThreadReply): void {
    if (reply.type === 'ready' || reply.type === 'load-failed') return;
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (reply.type === 'failed') pending.reject(deserialiseError(reply.error));
    else pending.resolve(reply);
  }

  #stop(cause: Error): void {
    if (this.#stopped) return;
    this.#stopped = this.#closing
      ? new PathLensError('internal_error', 'The patch-reading thread is closed.')
      : new PathLensError('internal_error', `The patch-reading thread stopped: ${cause.message}`, {}, { cause });
    for (const pending of this.#pending.values()) pending.reject(this.#stopped);
    this.#pending.clear();
  }
}
