import type { Worker } from 'node:worker_threads';
import { deserialiseError, PathLensError, startWorkerThread, unpackImages } from '@pathlens/core';
import type { RgbImage } from '@pathlens/slide-reader';
import type { GridCell } from '../../patch-grid.ts';
import type {
  PatchReaderThreadData,
  PatchReaderThreadReply,
  PatchReaderThreadRequest,
} from './patch-reader-thread-protocol.ts';

interface PendingRead {
  resolve: (images: (RgbImage | null)[]) => void;
  reject: (error: Error) => void;
}

/**
 * Patch reading in a `node:worker_threads` Worker with its own open slide: decoding (libvips), copying patches out of
 * decoded tiles, resizing and the stained-pixel check run there, so the ingesting thread only schedules, stores and
 * talks to the database. Patches come back in one transferred buffer per call. Calls are answered in order.
 *
 * @example
 * const thread = await PatchReaderThread.start({ filePath, readPlan, inputSizePx: 224, minStainedPixelFraction: 0.05,
 *   readsInFlight: 4 });
 * const patches = await thread.readPatches(cells); // null where a cell is background
 * await thread.close();
 */
export class PatchReaderThread {
  readonly #pending = new Map<number, PendingRead>();
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
  readPatches(cells: GridCell[]): Promise<(RgbImage | null)[]> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    if (this.#closing)
      return Promise.reject(new PathLensError('internal_error', 'The patch-reading thread is closed.'));
    const id = this.#nextId++;
    const result = new Promise<(RgbImage | null)[]>((resolve, reject) => this.#pending.set(id, { resolve, reject }));
    this.worker.postMessage({
      type: 'read',
      id,
      cells: cells.map(({ xLevel0, yLevel0, sizeLevel0Px }) => ({ xLevel0, yLevel0, sizeLevel0Px })),
    } satisfies PatchReaderThreadRequest);
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
    if (reply.type !== 'patches' && reply.type !== 'failed') return;
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    this.#pending.delete(reply.id);
    if (reply.type === 'failed') {
      pending.reject(deserialiseError(reply.error));
      return;
    }
    const images = unpackImages(reply.images);
    let next = 0;
    pending.resolve(reply.kept.map((kept) => (kept ? images[next++]! : null)));
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
