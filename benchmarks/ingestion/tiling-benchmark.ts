/**
 * Benchmark 1: tiling throughput without the encoder — read at the best pyramid level, resize
 * to the encoder's input, per-patch tissue check, normalise to the encoder's input tensor —
 * PathLens (sharp/libvips) against the standard Python route (openslide-python `read_region`
 * in a loop, as CLAM does) on the same slide and the same patch grid, in one run.
 *
 *   npx tsx benchmarks/ingestion/tiling-benchmark.ts [--patches 2000] [--size-px 50000] [--concurrency 4] [--rounds 4]
 *
 * The slide (a synthetic JPEG-tiled pyramidal TIFF, 0.252 µm/px like an Aperio 40× scan) is
 * generated once into .tmp/benchmarks/. Patches are tiled at 0.5 µm/px: 444 level-0 px, read
 * as 222 px from level 1 and resized to 224. Both routes get the same list of grid cells: the
 * first `--patches` cells inside the tissue mask, from the middle of the slide on.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  detectTissue,
  mapInOrder,
  measureTissue,
  minStainedPixelFraction,
  patchGrid,
  patchReadPlan,
  readPatch,
  tilingResolution,
  tissueFractionInRect,
  type GridCell,
} from '@pathlens/ingest';
import { openSlide, type RgbImage, type SlideReader } from '@pathlens/slide-reader';
// The encoder's own preprocessing (not part of its public interface): HWC uint8 → normalised CHW float32.
import { toPixelValues } from '../../packages/encoders/src/clip/clip-preprocessing.ts';
import { checkPython, loadAverage, runOpenSlideTiling, warmPageCache } from './python-route.ts';
import { syntheticSlide } from './synthetic-slide.ts';

const { values: args } = parseArgs({
  options: {
    patches: { type: 'string', default: '2000' },
    'size-px': { type: 'string', default: '50000' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '4' },
  },
});
const patchBudget = Number(args.patches);
const sizePx = Number(args['size-px']);
const concurrency = Number(args.concurrency);
const rounds = Number(args.rounds);
let pythonVersions: string | undefined;
const inputSizePx = 224;
const preprocessing = {
  inputSizePx,
  imageMean: [0.48145466, 0.4578275, 0.40821073],
  imageStd: [0.26862954, 0.26130258, 0.27577711],
} as const;
const batchSize = 32;

const slidePath = await syntheticSlide({ sizePx, mppLevel0: 0.252, tissueShare: 0.4 });
const pythonProblem = await checkPython();
await warmPageCache(slidePath); // both routes read from memory, not from whichever disk state the other left

const reader = await openSlide(slidePath);
const { patchSizeLevel0Px } = tilingResolution({
  inputSizePx,
  targetMpp: 0.5,
  fileMpp: { x: reader.properties.mppX, y: reader.properties.mppY },
});
const plan = patchReadPlan(reader.properties.levels, patchSizeLevel0Px, inputSizePx);
const maskStartedMs = performance.now();
const { mask } = await detectTissue(reader, { mppLevel0: reader.properties.mppX });
const maskSeconds = (performance.now() - maskStartedMs) / 1000;
const grid = patchGrid({
  widthPx: reader.properties.levels[0]!.widthPx,
  heightPx: reader.properties.levels[0]!.heightPx,
  patchSizePx: patchSizeLevel0Px,
});
const tissueCells = grid.filter((cell) => tissueFractionInRect(mask, cell) >= 0.25);
const middle = tissueCells.findIndex((cell) => cell.yLevel0 >= reader.properties.levels[0]!.heightPx / 2);
const cells = tissueCells.slice(
  Math.max(0, Math.min(middle, tissueCells.length - patchBudget)),
  Math.max(0, Math.min(middle, tissueCells.length - patchBudget)) + patchBudget,
);

console.log(
  `slide: ${path.relative(process.cwd(), slidePath)}, ${sizePx}×${sizePx} px, ${reader.properties.mppX?.toFixed(3)} µm/px, ${reader.properties.levels.length} levels`,
);
console.log(
  `grid at 0.5 µm/px: ${grid.length} cells of ${patchSizeLevel0Px} level-0 px, ${tissueCells.length} in tissue (mask in ${maskSeconds.toFixed(2)} s); read ${plan.sizeAtLevelPx} px at level ${plan.level} → ${inputSizePx} px`,
);
console.log(
  `patch budget: ${cells.length} tissue cells, the same list for every route, in ${rounds} rounds that alternate the routes (so a change in machine load hits all of them alike); ${os.cpus().length} CPU cores; load average ${loadAverage()}`,
);

const routes: { name: string; run(roundCells: GridCell[]): Promise<RouteResult> }[] = [
  {
    name: 'PathLens, one read at a time (a reference only: not how the pipeline reads)',
    run: (roundCells) => pathLensRoute(reader, roundCells, 1),
  },
  {
    name: `PathLens, ${concurrency} reads in flight (mapInOrder, as the pipeline reads; large slides do it in a worker thread)`,
    run: (roundCells) => pathLensRoute(reader, roundCells, concurrency),
  },
  ...(pythonProblem
    ? []
    : [
        {
          name: "openslide-python read_region loop (CLAM's way)",
          run: (roundCells: GridCell[]) => pythonRoute(slidePath, roundCells, plan),
        },
      ]),
];
const totals = routes.map(() => ({ cells: 0, kept: 0, seconds: 0, cpuSeconds: 0 }));
const roundSize = Math.ceil(cells.length / rounds);
for (let round = 0; round < rounds; round++) {
  const roundCells = cells.slice(round * roundSize, (round + 1) * roundSize);
  for (const [index, route] of routes.entries()) {
    const result = await route.run(roundCells);
    const total = totals[index]!;
    total.cells += result.cells;
    total.kept += result.kept;
    total.seconds += result.seconds;
    total.cpuSeconds += result.cpuSeconds;
  }
}
await reader.close();
routes.forEach((route, index) => report(route.name, totals[index]!));
if (pythonVersions) console.log(`(${pythonVersions}, /usr/bin/python3)`);
console.log(`load average at the end ${loadAverage()}`);
if (pythonProblem) {
  console.log(`openslide-python: skipped — ${pythonProblem}`);
} else {
  const [sequential, overlapped, python] = totals as [RouteResult, RouteResult, RouteResult];
  console.log(
    `ratio PathLens / openslide-python, patches per wall second: ${(rate(sequential) / rate(python)).toFixed(2)}× (one read at a time), ${(rate(overlapped) / rate(python)).toFixed(2)}× (${concurrency} in flight)`,
  );
  console.log(
    `ratio PathLens / openslide-python, patches per CPU second: ${(cpuRate(sequential) / cpuRate(python)).toFixed(2)}× (one read at a time), ${(cpuRate(overlapped) / cpuRate(python)).toFixed(2)}× (${concurrency} in flight)`,
  );
}

interface RouteResult {
  cells: number;
  kept: number;
  /** Wall time. */
  seconds: number;
  /** CPU time of the process doing the work, all its threads (libvips' included): what the work costs whatever else the
   * machine runs.
   */
  cpuSeconds: number;
}

function rate(result: RouteResult): number {
  return result.cells / result.seconds;
}

function cpuRate(result: RouteResult): number {
  return result.cells / result.cpuSeconds;
}

function report(name: string, result: RouteResult): void {
  console.log(
    `${name}: ${rate(result).toFixed(1)} patches/s wall, ${cpuRate(result).toFixed(1)} patches per CPU second (${result.cells} cells, ${result.kept} kept as tissue, ${result.seconds.toFixed(2)} s, ${result.cpuSeconds.toFixed(2)} CPU s)`,
  );
}

/** Read → resize → tissue check as `ingestSlide` does, and normalise kept patches a batch at a time as the encoder
 * does.
 */
async function pathLensRoute(
  slideReader: SlideReader,
  routeCells: GridCell[],
  readsInFlight: number,
): Promise<RouteResult> {
  const startedMs = performance.now();
  const startedCpu = process.cpuUsage();
  let kept = 0;
  let batch: RgbImage[] = [];
  const normalise = async () => {
    if (batch.length > 0)
      await toPixelValues(batch, {
        ...preprocessing,
        imageMean: [...preprocessing.imageMean],
        imageStd: [...preprocessing.imageStd],
      });
    batch = [];
  };
  for await (const image of mapInOrder(routeCells, readsInFlight, (cell) =>
    readPatch(slideReader, cell, plan, inputSizePx),
  )) {
    if (measureTissue(image, { minTissueFraction: minStainedPixelFraction }).isBackground) continue;
    kept += 1;
    batch.push(image);
    if (batch.length === batchSize) await normalise();
  }
  await normalise();
  const cpu = process.cpuUsage(startedCpu);
  return {
    cells: routeCells.length,
    kept,
    seconds: (performance.now() - startedMs) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  };
}

async function pythonRoute(
  slide: string,
  routeCells: GridCell[],
  readPlan: { level: number; sizeAtLevelPx: number },
): Promise<RouteResult> {
  const result = await runOpenSlideTiling({
    slide,
    level: readPlan.level,
    sizeAtLevelPx: readPlan.sizeAtLevelPx,
    inputSizePx,
    cells: routeCells,
  });
  pythonVersions ??= `openslide ${result.openslide}, openslide-python ${result.openslide_python}`;
  return result;
}
