/**
 * One markdown table of every results/*.json (or the files named), for the README and
 * the issue's closing note.
 *
 * @example
 * npx tsx benchmarks/vector-search/summarise-results.ts
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SearchMeasurement } from './measure-search.ts';
import { missedTargets, type Targets, type VariantResult } from './report.ts';

interface ResultFile {
  /** false while a run is under way or when it was stopped; absent in files from before the field existed. */
  complete?: boolean;
  store: 'embedded' | 'postgres';
  vectors: number;
  storage: 'external' | 'plain';
  maintenanceWorkMem: string;
  parallelWorkers: number;
  targets: Targets;
  load: {
    wallSeconds: number;
    clientSeconds: number;
    databaseSeconds?: number;
    copyRowsPerSecond: number;
    tableBytes: number;
  };
  variants: VariantResult[];
}

const resultsDirectory = path.join(import.meta.dirname, 'results');
const files =
  process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : (await readdir(resultsDirectory))
        .filter((name) => name.endsWith('.json'))
        .map((name) => path.join(resultsDirectory, name));
// run.ts's files only: patch-index-benchmark.ts writes its own shape (`vector-search/patch-index`), summarised in the
// README by hand.
const results = (
  await Promise.all(
    files.map(async (file) => JSON.parse(await readFile(file, 'utf8')) as ResultFile & { benchmark?: string }),
  )
).filter((result) => result.benchmark === 'vector-search');
const storeOrder = { embedded: 0, postgres: 1 };
results.sort(
  (left, right) =>
    storeOrder[left.store] - storeOrder[right.store] ||
    left.vectors - right.vectors ||
    left.storage.localeCompare(right.storage),
);
const megabytes = (bytes: number | undefined) => (bytes === undefined ? '–' : (bytes / 1024 / 1024).toFixed(0));
const seconds = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(value < 10 ? 1 : 0));

const parameters = (values: Record<string, number>) =>
  Object.entries(values)
    .map(([name, value]) => `${name.replace('ef_construction', 'efc')} ${value}`)
    .join(', ');

console.log(
  '| store | vectors | storage, build memory, workers | index (parameters) | build s (CPU s) | size MB | effort | p50 ms | p95 ms | CPU ms/q | recall@10 | targets |',
);
console.log('|---|---:|---|---|---:|---:|---|---:|---:|---:|---:|---|');
for (const result of results) {
  for (const variant of result.variants) {
    for (const measurement of variant.measurements as SearchMeasurement[]) {
      const missed = missedTargets(variant, measurement, result.targets);
      console.log(
        `| ${result.store} | ${result.vectors.toLocaleString('en')} | ${result.storage}, ${result.maintenanceWorkMem}, ${result.parallelWorkers} | ${variant.name}${variant.name === 'exact' ? '' : ` (${parameters(variant.buildParameters)})`} | ${seconds(variant.buildSeconds)}${variant.buildCpuSeconds === undefined ? '' : ` (${seconds(variant.buildCpuSeconds)})`} | ${megabytes(variant.indexBytes)} | ${measurement.effort} | ` +
          `${measurement.p50Ms.toFixed(1)} | ${measurement.p95Ms.toFixed(1)} | ${measurement.cpuMsPerQuery?.toFixed(1) ?? '–'} | ${measurement.recall.toFixed(3)} | ${missed.length === 0 ? 'met' : `missed ${missed.join(', ')}`} |`,
      );
    }
  }
  if (result.complete === false)
    console.log(
      `| ${result.store} | ${result.vectors.toLocaleString('en')} | ${result.storage} | (run stopped early) | | | | | | | | |`,
    );
}
console.log('');
for (const result of results) {
  console.log(
    `- ${result.store} ${result.vectors.toLocaleString('en')} (${result.storage}): load ${result.load.wallSeconds.toFixed(0)} s wall by binary COPY ` +
      `(${result.load.clientSeconds.toFixed(0)} s of it generating data and ground truth in JS` +
      (result.load.databaseSeconds === undefined
        ? ''
        : `; database ${result.load.databaseSeconds.toFixed(1)} s, ≈ ${Math.round(result.load.copyRowsPerSecond).toLocaleString('en')} rows/s`) +
      `), table ${megabytes(result.load.tableBytes)} MB`,
  );
}
