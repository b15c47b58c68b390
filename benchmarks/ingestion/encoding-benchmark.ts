/**
 * Benchmark 2: encoding throughput of the real ingestion pipeline (`ingestSlide`: tissue
 * mask, read at the best level, resize, tissue check, batch, embed, store in the embedded
 * database) with a full-size ViT-B/32 image tower (real architecture, random weights), and
 * how busy the pipeline keeps the encoder: time inside `embedImages` / wall time.
 *
 * npx tsx benchmarks/ingestion/encoding-benchmark.ts [--patches 256] [--batch-size 32] [--size-px 50000] [--encoder
 * vit-b32|tiny]
 *       [--thread worker|main] [--low-memory true|false] [--rounds 2]
 *
 * The reference, in the same run and interleaved with it (round by round): plain
 * onnxruntime-node on the same `.onnx` file, same batch size, same `intraOpNumThreads` (the
 * thread budget's), stock session settings, fed ready-made float batches. The ratio
 * pipeline / standalone is the number that matters on a shared machine; the load average is
 * printed with each round.
 *
 * `--thread worker` (default, as the server runs it) encodes in a worker thread
 * (`WorkerThreadImageEncoder`); `main` in this thread (`ClipImageEncoder`), where ONNX
 * Runtime blocks the event loop for each batch: the longest event-loop stall shows the
 * difference. `--low-memory true` loads ONNX Runtime without its arena and prepacking (ENCODER_LOW_MEMORY).
 * `--encoder tiny` (the generated demo CLIP, nearly free to run) shows instead how fast the
 * pipeline can feed an encoder at all: the rate a GPU encoder would get from it.
 * Stops after `--patches` patches are stored (a fixed budget keeps the run short; the slide
 * is the tiling benchmark's). Busy fraction is reported over the whole run (opening the
 * slide and detecting tissue included) and over the steady state (first batch in to last batch out).
 * Patches go to a fresh embedded database, or, with DATABASE_URL set, to that PostgreSQL
 * server (the benchmark's slide is deleted from it afterwards).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger, silentLogger, threadBudget } from '@pathlens/core';
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { ClipImageEncoder, WorkerThreadImageEncoder, type ImageEncoder } from '@pathlens/encoders';
import { ingestSlide, measureEncoder, registerSlide } from '@pathlens/ingest';
import { like } from 'drizzle-orm';
import { openStore, slides, type Store } from '@pathlens/store';
import { ensureTinyModels } from '@pathlens/models';
import { benchmarkCacheDir, syntheticSlide } from './synthetic-slide.ts';
import { ensureVitB32Model, vitB32ModelId } from './vit-b32-model.ts';

const { values: args } = parseArgs({
  options: {
    patches: { type: 'string', default: '256' },
    'batch-size': { type: 'string', default: '32' },
    'size-px': { type: 'string', default: '50000' },
    encoder: { type: 'string', default: 'vit-b32' },
    thread: { type: 'string', default: 'worker' },
    'low-memory': { type: 'string', default: 'false' },
    rounds: { type: 'string', default: '2' },
    verbose: { type: 'boolean', default: false },
  },
});
if (args.thread !== 'worker' && args.thread !== 'main')
  throw new Error(`--thread must be worker or main, got ${args.thread}`);
const patchBudget = Number(args.patches);
const batchSize = Number(args['batch-size']);

const slidePath = await syntheticSlide({ sizePx: Number(args['size-px']), mppLevel0: 0.252, tissueShare: 0.4 });
const useVit = args.encoder !== 'tiny';
const modelsDir = useVit ? await ensureVitB32Model() : path.join(benchmarkCacheDir, 'tiny-models');
if (!useVit) await ensureTinyModels({ modelsDir });
const modelId = useVit ? vitB32ModelId : 'pathlens/tiny-clip';
// A hash of its own, so a server database that already holds this slide does not dedupe the run away.
const benchmarkSlideSha256 = `encoding-benchmark-${process.pid}-${Date.now()}`;
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-encoding-benchmark-'));
const store = await openStore({ dataDir, databaseUrl: process.env.DATABASE_URL || undefined });
const onnxThreads = threadBudget().onnxIntraOpThreads;
const loadOptions = {
  modelsDir,
  modelId,
  maxBatchSize: batchSize,
  lowMemory: args['low-memory'] === 'true',
  onnxThreads,
};
const rounds = Number(args.rounds);
const encoder: ImageEncoder =
  args.thread === 'worker'
    ? await WorkerThreadImageEncoder.load(loadOptions)
    : await ClipImageEncoder.load(loadOptions);
try {
  // Warm-up: ONNX Runtime plans its memory on the first call; that is not steady-state cost.
  await encoder.embedImages(
    Array.from({ length: batchSize }, () => ({ data: Buffer.alloc(224 * 224 * 3, 200), widthPx: 224, heightPx: 224 })),
  );

  if (useVit) await compareWithStandalone();
  else
    for (let round = 1; round <= rounds; round++)
      console.log(
        `round ${round}: pipeline ${(await runPipeline(round)).toFixed(2)} patches/s (feed rate; no standalone reference for the demo encoder)`,
      );
  const status = await readFile('/proc/self/status', 'utf8');
  console.log(
    `peak RSS (VmHWM) of this process, encoder included: ${((Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]) * 1024) / 1e6).toFixed(0)} MB`,
  );
} finally {
  await store.handle.db
    .delete(slides)
    .where(like(slides.contentSha256, `${benchmarkSlideSha256}-%`))
    .catch(() => {});
  await encoder.dispose();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}

/** Time the pipeline's writes (patch rows, then progress), which run while the next batch is encoded. */
function timeStoreWrites(target: Store): { ms: number; batches: number } {
  const totals = { ms: 0, batches: 0 };
  const time =
    <Arguments extends unknown[]>(write: (...args: Arguments) => Promise<void>) =>
    async (...args: Arguments) => {
      const startedMs = performance.now();
      try {
        await write(...args);
      } finally {
        totals.ms += performance.now() - startedMs;
      }
    };
  const insertBatch = target.patches.insertBatch.bind(target.patches);
  const updateProgress = target.slides.updateProgress.bind(target.slides);
  target.patches.insertBatch = time(async (...args: Parameters<typeof insertBatch>) => {
    totals.batches += 1;
    await insertBatch(...args);
  });
  target.slides.updateProgress = time(updateProgress);
  return totals;
}

/** The same number of images as the pipeline stores, through a bare session: the reference rate. */
async function runStandalone(session: InferenceSession, images: number): Promise<number> {
  const sizePx = 224;
  const values = new Float32Array(batchSize * 3 * sizePx * sizePx).map(
    (_, index) => ((index * 2654435761) % 1000) / 500 - 1,
  );
  const feeds = { pixel_values: new OrtTensor('float32', values, [batchSize, 3, sizePx, sizePx]) };
  await session.run(feeds); // warm-up, as the pipeline's encoder had
  const startedMs = performance.now();
  let done = 0;
  while (done < images) {
    await session.run(feeds);
    done += batchSize;
  }
  return done / ((performance.now() - startedMs) / 1000);
}

/** One pipeline run of `patchBudget` patches on a fresh registration; returns patches per second of wall time. */
async function runPipeline(round: number): Promise<number> {
  const { slide } = await registerSlide(store, {
    filePath: slidePath,
    encoderId: encoder.modelId,
    inputSizePx: encoder.inputSizePx,
    targetMpp: 0.5,
    contentSha256: `${benchmarkSlideSha256}-${round}`,
  });
  const { encoder: measured, usage } = measureEncoder(encoder);
  const storing = timeStoreWrites(store);
  const budget = new AbortController();
  const eventLoopDelay = monitorEventLoopDelay({ resolution: 10 });
  eventLoopDelay.enable();
  const startedMs = performance.now();
  let stoppedMs = 0;
  await ingestSlide(
    { store, imageEncoder: measured, logger: args.verbose ? createLogger('debug') : silentLogger },
    slide,
    {
      minTissueFraction: 0.25,
      batchSize,
      signal: budget.signal,
      onProgress: ({ patchCount }) => {
        if (patchCount >= patchBudget && !budget.signal.aborted) {
          stoppedMs = performance.now();
          budget.abort();
        }
      },
    },
  ).catch((error: unknown) => {
    if (!budget.signal.aborted) throw error;
  });
  const endedMs = stoppedMs || performance.now();
  eventLoopDelay.disable();
  const wallSeconds = (endedMs - startedMs) / 1000;
  const steadySeconds = ((usage.lastEndedMs ?? endedMs) - (usage.firstStartedMs ?? startedMs)) / 1000;
  console.log(
    `encoder: ${modelId}${useVit ? ' (ViT-B/32 image tower, random weights)' : ' (demo CLIP: a mean colour, nearly free)'}, batch ${batchSize}, ONNX Runtime on ${os.cpus().length} CPU cores, in ${args.thread === 'worker' ? 'a worker thread' : 'the main thread'}, low-memory session ${loadOptions.lowMemory ? 'on' : 'off'}`,
  );
  console.log(
    `pipeline: ${usage.images} patches in ${usage.calls} batches, ${wallSeconds.toFixed(1)} s wall → ${(usage.images / wallSeconds).toFixed(2)} patches/s`,
  );
  console.log(
    `encoder alone: ${(usage.images / (usage.busyMs / 1000)).toFixed(2)} patches/s while busy (${(usage.busyMs / 1000).toFixed(1)} s inside embedImages)`,
  );
  console.log(
    `encoder busy: ${((100 * usage.busyMs) / 1000 / wallSeconds).toFixed(1)}% of wall time; ${((100 * usage.busyMs) / 1000 / steadySeconds).toFixed(1)}% from the first batch to the last (target ≥ 90%)`,
  );
  console.log(
    `before the first batch (open, tissue mask, first reads): ${(((usage.firstStartedMs ?? startedMs) - startedMs) / 1000).toFixed(2)} s`,
  );
  if (usage.calls > 1)
    console.log(
      `encoder idle between batches: ${((steadySeconds * 1000 - usage.busyMs) / (usage.calls - 1)).toFixed(0)} ms on average (reading, storing)`,
    );
  console.log(
    `storing (patch rows + progress, ${store.handle.driver}): ${(storing.ms / Math.max(1, storing.batches)).toFixed(0)} ms a batch, ${(storing.ms / 1000).toFixed(1)} s in all, while the next batch encodes`,
  );
  console.log(
    `main thread's longest event-loop stall: ${(eventLoopDelay.max / 1e6).toFixed(0)} ms (p99 ${(eventLoopDelay.percentile(99) / 1e6).toFixed(0)} ms): how long an HTTP request or heartbeat could wait`,
  );
  return usage.images / wallSeconds;
}

/** Rounds of standalone onnxruntime-node then the pipeline, on the same graph, batch and threads; prints the ratios. */
async function compareWithStandalone(): Promise<void> {
  const standalone = await InferenceSession.create(path.join(modelsDir, modelId, 'onnx', 'vision_model.onnx'), {
    intraOpNumThreads: onnxThreads,
    interOpNumThreads: 1,
  });
  const pipelineRates: number[] = [];
  const standaloneRates: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const standaloneRate = await runStandalone(standalone, patchBudget);
    standaloneRates.push(standaloneRate);
    console.log(
      `round ${round}: standalone onnxruntime-node ${standaloneRate.toFixed(2)} img/s (load average ${os.loadavg()[0]!.toFixed(2)})`,
    );
    const pipelineRate = await runPipeline(round);
    pipelineRates.push(pipelineRate);
    console.log(
      `round ${round}: pipeline ${pipelineRate.toFixed(2)} patches/s → ${(pipelineRate / standaloneRate).toFixed(2)} of standalone (load average ${os.loadavg()[0]!.toFixed(2)})`,
    );
  }
  await standalone.release();
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  };
  const ratios = pipelineRates.map((rate, index) => rate / standaloneRates[index]!);
  console.log(
    `pipeline / standalone ORT, per round: ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')} (median ${median(ratios).toFixed(2)}; goal ≥ 0.90); ${onnxThreads} intra-op threads`,
  );
}
