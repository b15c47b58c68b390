import os from 'node:os';

/**
 * How this process shares the machine's cores, decided in one place (from CPU_THREADS and the
 * core count) so that ONNX Runtime, libvips, patch reads and storing do not each assume they
 * have the machine to themselves.
 */
export interface ThreadBudget {
  /** Cores PathLens plans for: CPU_THREADS, or every core `os.availableParallelism()` reports. */
  cpuThreads: number;
  /**
   * ONNX Runtime `intraOpNumThreads` for every session PathLens creates. Always explicit:
   * onnxruntime-node's default ran as one thread on a 2-core machine (ViT-B/32, batch 32:
   * 19.8 img/s at 100% CPU; with 2 threads 36.1 img/s). The encoder gets every planned core:
   * it is the slowest stage, and the other stages mostly wait on it.
   */
  onnxIntraOpThreads: number;
  /**
   * libvips worker threads per image operation (`sharp.concurrency`, process-wide). One: a
   * 224-px patch read is too small to split, and reads already run side by side (below).
   */
  libvipsConcurrency: number;
  /** Patch reads in flight at once: libuv's thread pool size (UV_THREADPOOL_SIZE, 4 by default), where they decode. */
  readsInFlight: number;
  /** Database writes of patch rows in flight: one, in grid order, while the next batch encodes. */
  writesInFlight: 1;
}

/**
 * @example
 * const budget = threadBudget({ cpuThreads: config.cpuThreads }); // 0 = every core
 * await InferenceSession.create(file, { intraOpNumThreads: budget.onnxIntraOpThreads });
 */
export function threadBudget(options: { cpuThreads?: number | undefined; coreCount?: number } = {}): ThreadBudget {
  const coreCount = Math.max(1, options.coreCount ?? os.availableParallelism());
  const cpuThreads = options.cpuThreads && options.cpuThreads > 0 ? Math.floor(options.cpuThreads) : coreCount;
  return {
    cpuThreads,
    onnxIntraOpThreads: cpuThreads,
    libvipsConcurrency: 1,
    readsInFlight: libuvThreadPoolSize(),
    writesInFlight: 1,
  };
}

function libuvThreadPoolSize(): number {
  const configured = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isSafeInteger(configured) && configured > 0 ? Math.min(configured, 1024) : 4;
}
