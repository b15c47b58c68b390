/**
 * Benchmark 3: peak resident memory over a whole large slide, through the ingestion worker
 * the server runs (queue claim, tissue mask, read, resize, embed, store in the embedded
 * database, slide embedding, prototypes). Target: under 1.5 GB on a 100,000 × 100,000 slide.
 *
 *   npx tsx benchmarks/ingestion/memory-benchmark.ts [--size-px 100000] [--tissue 0.3] [--encoder vit-b32|tiny]
 *       [--thread worker|main] [--low-memory true|false]
 *
 * `--thread worker` (default, as the server runs it) loads the encoder in a worker thread,
 * `main` in this thread; `--low-memory true` drops ONNX Runtime's arena and prepacking (ENCODER_LOW_MEMORY).
 * Threads share the process's memory, so VmHWM covers the encoder thread too.
 * By default the case the goal is about: 30% tissue and the full-size ViT-B/32 tower (its
 * weights and activations included); on a 2-core machine that is hours of encoding. For a
 * quick look, `--tissue 0.03 --encoder tiny` (a mostly glass slide, the generated demo CLIP):
 * the tissue mask, not the slide's size, decides how many patches are read. Peak RSS is the kernel's high-water mark
 * (VmHWM), which no sampling interval can miss.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '@pathlens/core';
import { ClipImageEncoder, WorkerThreadImageEncoder, type ImageEncoder } from '@pathlens/encoders';
import { IngestionWorker, registerSlide, type JobOutcome } from '@pathlens/ingest';
import { ensureTinyModels } from '@pathlens/models';
import { openStore } from '@pathlens/store';
import { benchmarkCacheDir, syntheticSlide } from './synthetic-slide.ts';
import { ensureVitB32Model, vitB32ModelId } from './vit-b32-model.ts';

const { values: args } = parseArgs({
  options: {
    'size-px': { type: 'string', default: '100000' },
    tissue: { type: 'string', default: '0.3' },
    encoder: { type: 'string', default: 'vit-b32' },
    thread: { type: 'string', default: 'worker' },
    'low-memory': { type: 'string', default: 'false' },
  },
});
if (args.thread !== 'worker' && args.thread !== 'main')
  throw new Error(`--thread must be worker or main, got ${args.thread}`);
const sizePx = Number(args['size-px']);

const slidePath = await syntheticSlide({ sizePx, mppLevel0: 0.252, tissueShare: Number(args.tissue), textured: false });
const useVit = args.encoder !== 'tiny';
const modelsDir = useVit ? await ensureVitB32Model() : path.join(benchmarkCacheDir, 'tiny-models');
if (!useVit) await ensureTinyModels({ modelsDir });
const modelId = useVit ? vitB32ModelId : 'pathlens/tiny-clip';
const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-memory-benchmark-'));
const rssBeforeMb = (await memoryStatus()).rssMb;
const store = await openStore({ dataDir });
const loadOptions = { modelsDir, modelId, lowMemory: args['low-memory'] === 'true' };
const encoder: ImageEncoder =
  args.thread === 'worker'
    ? await WorkerThreadImageEncoder.load(loadOptions)
    : await ClipImageEncoder.load(loadOptions);
const rssLoadedMb = (await memoryStatus()).rssMb;
const samples: number[] = [];
const sampler = setInterval(() => samples.push(process.memoryUsage.rss() / 1e6), 250);
try {
  const { slide } = await registerSlide(store, {
    filePath: slidePath,
    encoderId: encoder.modelId,
    inputSizePx: encoder.inputSizePx,
    targetMpp: 0.5,
  });
  const worker = new IngestionWorker(
    { store, imageEncoder: encoder, logger: silentLogger },
    { minTissueFraction: 0.25, batchSize: 32, dataDir },
  );
  const outcome = new Promise<JobOutcome>((resolve) => worker.once('finished', resolve));
  const startedMs = performance.now();
  await worker.start();
  const result = await outcome;
  const seconds = (performance.now() - startedMs) / 1000;
  await worker.stop();
  const row = await store.slides.findById(slide.id);
  if (result.status !== 'ready') throw new Error(`ingestion ended ${result.status}: ${result.reason ?? ''}`);
  const { peakRssMb, rssMb } = await memoryStatus();
  console.log(
    `encoder: ${modelId} in ${args.thread === 'worker' ? 'a worker thread' : 'the main thread'}, low-memory session ${loadOptions.lowMemory ? 'on' : 'off'}`,
  );
  console.log(
    `slide: ${sizePx}×${sizePx} px (${((sizePx * sizePx) / 1e9).toFixed(1)} gigapixels), ${row?.tilesTotal} grid cells at 0.5 µm/px, ${row?.patchCount} tissue patches encoded with ${modelId}`,
  );
  console.log(
    `whole slide in ${seconds.toFixed(1)} s (${((row?.tilesTotal ?? 0) / seconds).toFixed(0)} cells/s, ${((row?.patchCount ?? 0) / seconds).toFixed(1)} patches/s)`,
  );
  console.log(
    `RSS: ${rssBeforeMb.toFixed(0)} MB at start, ${rssLoadedMb.toFixed(0)} MB with the embedded database and encoder loaded, ${rssMb.toFixed(0)} MB at the end`,
  );
  const quarter = Math.max(1, Math.floor(samples.length / 4));
  const quarters = [0, 1, 2, 3].map((index) => Math.max(...samples.slice(index * quarter, (index + 1) * quarter)));
  console.log(
    `RSS highest in each quarter of the run: ${quarters.map((value) => `${value.toFixed(0)} MB`).join(', ')}`,
  );
  console.log(`peak RSS (VmHWM): ${peakRssMb.toFixed(0)} MB (target < 1500 MB)`);
} finally {
  clearInterval(sampler);
  await encoder.dispose();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
}

/** Current and peak resident set size of this process, from /proc (Linux). */
async function memoryStatus(): Promise<{ rssMb: number; peakRssMb: number }> {
  const status = await readFile('/proc/self/status', 'utf8');
  const kilobytes = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: (kilobytes('VmRSS') * 1024) / 1e6, peakRssMb: (kilobytes('VmHWM') * 1024) / 1e6 };
}
