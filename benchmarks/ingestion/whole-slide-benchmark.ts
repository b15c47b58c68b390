/**
 * Benchmark 4: whole-slide ingestion with the demo encoder (tissue mask, read, tissue check, encode, store in the
 * embedded database, slide embedding, prototypes: everything `ingestSlide` does) against the standard Python route
 * (openslide-python `read_region` in a loop, resize, tissue check, normalise: `openslide_tiling.py`) with 1 and 2
 * processes, on the same slide and the same grid cells, in rounds that alternate the three routes.
 *
 *   npx tsx benchmarks/ingestion/whole-slide-benchmark.ts [--repeat 6x5] [--rounds 3] [--python false]
 *
 * The slide is a real one: CMU-1-Small-Region.svs (../shared/data/wsi/, 2,220 × 2,967 at 0.499 µm/px) repeated
 * `--repeat` times across × down (issue 12 measured 18x14: 32,930 cells) into a JPEG-tiled pyramidal TIFF (240-px
 * tiles, as the SVS stores them), generated once into .tmp/benchmarks/. Cells are 224 level-0 px (0.5 µm/px). Python
 * reads exactly the cells PathLens reads (the tissue mask's); PathLens's time includes making the mask. Rates are
 * grid cells per second; CPU seconds are the process's (all threads), summed over Python's processes.
 * `--python false` runs PathLens alone (for profiling).
 */
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { silentLogger } from '@pathlens/core';
import { WorkerThreadImageEncoder } from '@pathlens/encoders';
import { ingestSlide, patchGrid, registerSlide, slideTissueMask, tissueFractionInRect } from '@pathlens/ingest';
import { ensureTinyModels, projectRoot, tinyImageTextEncoderId } from '@pathlens/models';
import { openSlide } from '@pathlens/slide-reader';
import { openStore } from '@pathlens/store';
import sharp from 'sharp';
import { checkPython, loadAverage, runOpenSlideTiling, warmPageCache } from './python-route.ts';
import { benchmarkCacheDir } from './synthetic-slide.ts';

const { values: args } = parseArgs({
  options: {
    repeat: { type: 'string', default: '6x5' },
    rounds: { type: 'string', default: '3' },
    python: { type: 'string', default: 'true' },
  },
});
const [repeatAcross, repeatDown] = args.repeat.split('x').map(Number) as [number, number];
const rounds = Number(args.rounds);
const sourceSlide = path.resolve(projectRoot, '..', 'shared', 'data', 'wsi', 'CMU-1-Small-Region.svs');
if (!(await exists(sourceSlide))) {
  console.log(`skipped: ${sourceSlide} is absent (the shared test data; see its README)`);
  process.exit(0);
}
const pythonProblem = args.python === 'false' ? 'not asked for (--python false)' : await checkPython();
const slidePath = await replicatedSlide(sourceSlide, repeatAcross, repeatDown);
await warmPageCache(slidePath);

const modelsDir = path.join(benchmarkCacheDir, 'tiny-models');
await ensureTinyModels({ modelsDir });
const encoder = await WorkerThreadImageEncoder.load({ modelsDir, modelId: tinyImageTextEncoderId });

// The cells PathLens reads: the tissue mask's, on the grid registration chooses. Python gets the same list.
const setupDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-whole-slide-benchmark-'));
const setupStore = await openStore({ dataDir: setupDir });
const { slide } = await registerSlide(setupStore, {
  filePath: slidePath,
  encoderId: encoder.modelId,
  inputSizePx: encoder.inputSizePx,
  targetMpp: 0.5,
});
const reader = await openSlide(slidePath);
const mask = await slideTissueMask(reader, slide, {});
const level0 = reader.properties.levels[0]!;
await reader.close();
await setupStore.close();
await rm(setupDir, { recursive: true, force: true });
const grid = patchGrid({ widthPx: level0.widthPx, heightPx: level0.heightPx, patchSizePx: slide.patchSizeLevel0Px });
const minTissueFraction = 0.25;
const tissueCells = grid.filter((cell) => tissueFractionInRect(mask, cell) >= minTissueFraction);

console.log(
  `slide: CMU-1-Small-Region × ${repeatAcross}×${repeatDown} = ${level0.widthPx} × ${level0.heightPx} px; grid: ${grid.length} cells of ${slide.patchSizeLevel0Px} level-0 px, ${tissueCells.length} in the tissue mask (read by every route)`,
);
console.log(
  `${rounds} rounds alternating the routes; ${os.cpus().length} CPU cores; load average at start ${loadAverage()}`,
);

interface RouteResult {
  seconds: number;
  cpuSeconds: number;
  patches: number;
}
const routes: { name: string; run(): Promise<RouteResult> }[] = [
  ...(pythonProblem
    ? []
    : [1, 2].map((processes) => ({
        name: `openslide-python, ${processes} process${processes > 1 ? 'es' : ''}`,
        run: () => pythonRoute(processes),
      }))),
  { name: 'PathLens ingestSlide, reads on the ingesting thread', run: () => pathLensRoute(Infinity) },
  { name: 'PathLens ingestSlide (default: reads in a worker thread)', run: () => pathLensRoute(undefined) },
];
const results = routes.map((): RouteResult[] => []);
for (let round = 0; round < rounds; round++) {
  for (const [index, route] of routes.entries()) {
    const result = await route.run();
    results[index]!.push(result);
    console.log(
      `round ${round + 1}, ${route.name}: ${(grid.length / result.seconds).toFixed(0)} cells/s (${result.seconds.toFixed(1)} s, ${result.cpuSeconds.toFixed(1)} CPU s, ${result.patches} patches kept), load ${loadAverage()}`,
    );
  }
}
await encoder.dispose();

const medianRate = (index: number) => median(results[index]!.map((result) => grid.length / result.seconds));
routes.forEach((route, index) => console.log(`median ${route.name}: ${medianRate(index).toFixed(0)} cells/s`));
if (pythonProblem) {
  console.log(`openslide-python: skipped — ${pythonProblem}`);
} else {
  const pathLens = routes.length - 1;
  const perRound = (pythonIndex: number) =>
    results[pathLens]!.map(
      (result, round) => results[pythonIndex]![round]!.seconds / result.seconds, // same cells: time ratio = rate ratio
    );
  for (const [pythonIndex, label] of [
    [0, '1 process'],
    [1, '2 processes'],
  ] as const) {
    const ratios = perRound(pythonIndex);
    const cpuRatios = results[pathLens]!.map(
      (result, round) => results[pythonIndex]![round]!.cpuSeconds / result.cpuSeconds,
    );
    console.log(
      `ratio PathLens / openslide-python ${label}, cells per wall second: median ${median(ratios).toFixed(2)}× (rounds: ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')}); per CPU second: median ${median(cpuRatios).toFixed(2)}×`,
    );
  }
}
console.log(`load average at the end ${loadAverage()}`);

async function pathLensRoute(readThreadMinPatches: number | undefined): Promise<RouteResult> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-whole-slide-benchmark-'));
  const store = await openStore({ dataDir });
  try {
    const { slide: row } = await registerSlide(store, {
      filePath: slidePath,
      encoderId: encoder.modelId,
      inputSizePx: encoder.inputSizePx,
      targetMpp: 0.5,
    });
    const startedMs = performance.now();
    const startedCpu = process.cpuUsage();
    await ingestSlide({ store, imageEncoder: encoder, logger: silentLogger }, row, {
      minTissueFraction,
      batchSize: 32,
      dataDir,
      readThreadMinPatches,
    });
    const seconds = (performance.now() - startedMs) / 1000;
    const cpu = process.cpuUsage(startedCpu);
    const done = await store.slides.findById(row.id);
    return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, patches: done?.patchCount ?? 0 };
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The tissue cells split into `processes` contiguous runs, one Python process each, all at once; wall time of the
 * slowest (each process's own clock, so interpreter start-up is not counted against Python).
 */
async function pythonRoute(processes: number): Promise<RouteResult> {
  const share = Math.ceil(tissueCells.length / processes);
  const parts = await Promise.all(
    Array.from({ length: processes }, (_, part) =>
      runOpenSlideTiling({
        slide: slidePath,
        level: 0,
        sizeAtLevelPx: slide.patchSizeLevel0Px,
        inputSizePx: encoder.inputSizePx,
        cells: tissueCells.slice(part * share, (part + 1) * share),
      }),
    ),
  );
  return {
    seconds: Math.max(...parts.map((part) => part.seconds)),
    cpuSeconds: parts.reduce((sum, part) => sum + part.cpuSeconds, 0),
    patches: parts.reduce((sum, part) => sum + part.kept, 0),
  };
}

/** CMU-1-Small-Region's level 0 repeated across × down, saved as a JPEG-tiled pyramid with its MPP; cached. */
async function replicatedSlide(source: string, across: number, down: number): Promise<string> {
  const filePath = path.join(benchmarkCacheDir, `cmu-1-small-region-${across}x${down}.tiff`);
  if (await exists(filePath)) return filePath;
  await mkdir(benchmarkCacheDir, { recursive: true });
  const sourceReader = await openSlide(source);
  const { widthPx, heightPx } = sourceReader.properties.levels[0]!;
  const pixels = await sourceReader.readRegion({ level: 0, xLevel0: 0, yLevel0: 0, widthPx, heightPx });
  const mpp = sourceReader.properties.mppX ?? 0.499;
  await sourceReader.close();
  const tile = await sharp(pixels.data, { raw: { width: widthPx, height: heightPx, channels: 3 } })
    .png()
    .toBuffer();
  const partial = `${filePath}.partial-${process.pid}`;
  await sharp({
    create: { width: widthPx * across, height: heightPx * down, channels: 3, background: '#ffffff' },
    limitInputPixels: false,
  })
    .composite([{ input: tile, tile: true, left: 0, top: 0 }])
    .tiff({
      tile: true,
      tileWidth: 240,
      tileHeight: 240,
      pyramid: true,
      compression: 'jpeg',
      quality: 75,
      bigtiff: true,
      xres: 1000 / mpp,
      yres: 1000 / mpp,
      resolutionUnit: 'cm',
    })
    .toFile(partial);
  await rename(partial, filePath);
  return filePath;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function exists(filePath: string): Promise<boolean> {
  return stat(filePath).then(
    () => true,
    () => false,
  );
}
