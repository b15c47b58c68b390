import fs from 'node:fs/promises';
import path from 'node:path';

/** One progress report: bytes of `file` received so far, and its size when the server says. */
export interface DownloadProgress {
  file: string;
  receivedBytes: number;
  totalBytes?: number;
}

export interface DownloadFileRequest {
  url: string;
  /** Final path; bytes stream to `<destination>.partial`, renamed only when complete. */
  destination: string;
  /** Name reported in progress (the file's path inside the model folder). */
  file: string;
  fetch: typeof globalThis.fetch;
  headers: Record<string, string>;
  /** Give up if no response (headers) arrives within this time. */
  firstResponseTimeoutMs: number;
  /** Give up if the body stops delivering bytes for this long. */
  stallTimeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
}

/** Why a download failed, for the caller to turn into a user-facing error. */
export class DownloadFailure extends Error {
  override readonly name = 'DownloadFailure';
  constructor(
    readonly reason: 'unreachable' | 'timeout' | 'http_status' | 'stalled' | 'interrupted' | 'incomplete',
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Streams one URL to disk; nothing is ever left under the final name unless complete. */
export async function downloadFile(request: DownloadFileRequest): Promise<{ receivedBytes: number }> {
  const controller = new AbortController();
  const signal = request.signal ? AbortSignal.any([controller.signal, request.signal]) : controller.signal;
  const firstResponseTimeout = AbortSignal.timeout(request.firstResponseTimeoutMs);

  let response: Response;
  try {
    response = await raceFirstResponse(
      request.fetch(request.url, { headers: request.headers, signal, redirect: 'follow' }),
      firstResponseTimeout,
    );
  } catch (error) {
    controller.abort();
    if (request.signal?.aborted) throw error;
    if (firstResponseTimeout.aborted) {
      throw new DownloadFailure('timeout', `no response within ${request.firstResponseTimeoutMs} ms`, undefined, {
        cause: error,
      });
    }
    throw new DownloadFailure('unreachable', describeCause(error), undefined, { cause: error });
  }
  if (!response.ok || !response.body) {
    controller.abort();
    throw new DownloadFailure(
      'http_status',
      `${new URL(request.url).host} answered HTTP ${response.status} for ${request.url}`,
      response.status,
    );
  }

  const lengthHeader = response.headers.get('content-length');
  // A compressed body's length header counts compressed bytes, so only an identity body is checked.
  const totalBytes =
    lengthHeader !== null && !response.headers.get('content-encoding') ? Number(lengthHeader) : undefined;
  const partialPath = `${request.destination}.partial`;
  let handle: fs.FileHandle;
  try {
    await fs.mkdir(path.dirname(request.destination), { recursive: true });
    handle = await fs.open(partialPath, 'w');
  } catch (error) {
    controller.abort();
    throw error;
  }
  let receivedBytes = 0;
  let stallTimer: NodeJS.Timeout | undefined;
  const armStallTimer = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(
      () => controller.abort(new DownloadFailure('stalled', `no data for ${request.stallTimeoutMs} ms`)),
      request.stallTimeoutMs,
    );
  };
  try {
    armStallTimer();
    request.onProgress?.({ file: request.file, receivedBytes, totalBytes });
    const chunks = (response.body as unknown as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (error) {
        if (controller.signal.reason instanceof DownloadFailure) throw controller.signal.reason;
        if (request.signal?.aborted) throw error;
        throw new DownloadFailure(
          'interrupted',
          `connection lost after ${receivedBytes} bytes (${describeCause(error)})`,
          undefined,
          { cause: error },
        );
      }
      if (next.done) break;
      armStallTimer();
      await handle.write(next.value);
      receivedBytes += next.value.byteLength;
      request.onProgress?.({ file: request.file, receivedBytes, totalBytes });
    }
    await handle.sync();
    await handle.close();
    if (totalBytes !== undefined && receivedBytes !== totalBytes) {
      throw new DownloadFailure('incomplete', `received ${receivedBytes} of ${totalBytes} bytes`);
    }
    await fs.rename(partialPath, request.destination);
    return { receivedBytes };
  } catch (error) {
    controller.abort();
    await handle.close().catch(() => {});
    await fs.rm(partialPath, { force: true });
    throw error;
  } finally {
    clearTimeout(stallTimer);
  }
}

/** Resolves with the response, or rejects as soon as `timeout` fires (the body is not covered). */
function raceFirstResponse(responsePromise: Promise<Response>, timeout: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const onTimeout = () => reject(timeout.reason);
    if (timeout.aborted) return onTimeout();
    timeout.addEventListener('abort', onTimeout, { once: true });
    responsePromise.then(resolve, reject).finally(() => timeout.removeEventListener('abort', onTimeout));
  });
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.message ?? cause?.code ?? (error as Error).message ?? String(error);
}
