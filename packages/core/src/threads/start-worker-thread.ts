import { Worker } from 'node:worker_threads';
import { PathLensError } from '../errors/pathlens-error.ts';
import { deserialiseError, type SerialisedError } from '../errors/serialised-error.ts';

/** The two first replies a model-loading thread may send. */
type StartReply<Limits> =
  { type: 'ready'; limits: Limits } | { type: 'load-failed'; error: SerialisedError } | { type: string };

/**
 * Start a worker thread that loads a model and answers `{ type: 'ready', limits }` or
 * `{ type: 'load-failed', error }`; resolve with the worker and its limits once ready. A load
 * failure is thrown here with its original code (as loading in-process would throw it), and
 * the thread is ended.
 *
 * @example
 * const { worker, limits } = await startWorkerThread<EncoderThreadLimits>(new URL('./entry.js', import.meta.url), data,
 * 'the encoder thread for x');
 */
export async function startWorkerThread<Limits>(
  entry: URL,
  workerData: unknown,
  name: string,
): Promise<{ worker: Worker; limits: Limits }> {
  const worker = new Worker(entry, { workerData });
  // Only our own listeners are removed: `removeAllListeners()` would also drop the Worker's internal ones, and its
  // messages with them.
  const listeners: {
    message?: (reply: StartReply<Limits>) => void;
    error?: (error: Error) => void;
    exit?: (exitCode: number) => void;
  } = {};
  const removeListeners = () => {
    if (listeners.message) worker.off('message', listeners.message);
    if (listeners.error) worker.off('error', listeners.error);
    if (listeners.exit) worker.off('exit', listeners.exit);
  };
  try {
    const limits = await new Promise<Limits>((resolve, reject) => {
      listeners.message = (reply) => {
        if (reply.type === 'ready') resolve((reply as { limits: Limits }).limits);
        else if (reply.type === 'load-failed') reject(deserialiseError((reply as { error: SerialisedError }).error));
      };
      listeners.error = reject;
      listeners.exit = (exitCode) =>
        reject(new PathLensError('internal_error', `${name} exited (code ${exitCode}) before its model loaded.`));
      worker.on('message', listeners.message).on('error', listeners.error).on('exit', listeners.exit);
    });
    removeListeners();
    return { worker, limits };
  } catch (error) {
    removeListeners();
    worker.on('error', () => {}); // already reported
    await worker.terminate();
    throw error;
  }
}
