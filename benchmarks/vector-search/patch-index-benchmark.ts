/**
 * The product's cross-slide patch search at scale on PostgreSQL: patches stored through
 * `store.patches.insertBatch` (binary COPY, as ingestion stores them), the index built by
 * `store.patchIndex.build()` (what `pathlens index patches` runs), queries through
 * `store.search.nearestPatches` (what /v1/search runs), at several `ivfflat.probes`
 * (PATCH_INDEX_PROBES). Reference in the same run: the same search, exact
 * (`mode: 'exact'`). Prints load time, build time, index size, p50/p95 of a k=10 search and
 * recall@10 against exact neighbours computed in JavaScript; writes the same as JSON.
 *
 * @example
 * DATABASE_URL=$(bash .ci/setup-postgres.sh) \
 *   npx tsx benchmarks/vector-search/patch-index-benchmark.ts --patches 2000000
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openStore, patchIndexName, type NewPatch, type PatchHit, type Store } from '@pathlens/store';
import { createFreshDatabase } from '../../tests/helpers/fresh-database.ts';
import { ClusteredVectorSource, defaultDataShape } from './clustered-vectors.ts';
import { ExactNeighbours, recallAtK } from './exact-neighbours.ts';
import { percentile } from '../shared/percentile.ts';

const usage = `usage: DATABASE_URL=… npx tsx benchmarks/vector-search/patch-index-benchmark.ts [options]
  --patches N          patch rows (default 2000000)
  --slides N           slides they belong to (default: one per 10,000 patches)
  --probes 5,10,20     ivfflat.probes settings measured (PATCH_INDEX_PROBES)
  --queries N          timed queries per setting, scored for recall (default 200)
  --passes N           runs of each query; its fastest time counts (default 2)
  --exact-queries N    queries for the exact reference (default 10)
  --output FILE        JSON (default benchmarks/vector-search/results/postgres-<patches>-patch-index.json)`;

const { values } = parseArgs({
  options: {
    patches: { type: 'string', default: '2000000' },
    slides: { type: 'string' },
    probes: { type: 'string', default: '5,10,20' },
    queries: { type: 'string', default: '200' },
    passes: { type: 'string', default: '2' },
    'exact-queries': { type: 'string', default: '10' },
    output: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const positive = (name: string, text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} must be a positive integer, got "${text}"\n\n${usage}`);
    process.exit(2);
  }
  return value;
};
const patchCount = positive('patches', values.patches);
const slideCount = values.slides ? positive('slides', values.slides) : Math.max(1, Math.ceil(patchCount / 10_000));
const probeValues = values.probes.split(',').map((part) => positive('probes', part.trim()));
const queryCount = positive('queries', values.queries);
const passes = positive('passes', values.passes);
const exactQueryCount = Math.min(queryCount, positive('exact-queries', values['exact-queries']));
const output = values.output ?? path.join(import.meta.dirname, 'results', `postgres-${patchCount}-patch-index.json`);
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.error('DATABASE_URL is not set: start a server with `DATABASE_URL=$(bash .ci/setup-postgres.sh)`.');
  process.exit(2);
}

const log = (text: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const loadAverage = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
const k = 10;
const gridColumns = 100;
const patchSizePx = 224;

interface SearchRow {
  setting: string;
  queryCount: number;
  passes: number;
  p50Ms: number;
  p95Ms: number;
  recall: number;
  worstRecall: number;
  /** The plan `nearestPatches` ran, checked with EXPLAIN: `patch index` or `exact scan`. */
  plan: string;
  loadAverage: string;
}

/** Times `search` on every query (fastest of `runs`) and scores its hits against the exact neighbours. */
async function measure(
  setting: string,
  queries: Float32Array[],
  truth: number[][],
  runs: number,
  search: (query: Float32Array) => Promise<PatchHit[]>,
  rowOf: (hit: PatchHit) => number,
  plan: string,
): Promise<SearchRow> {
  const latenciesMs = queries.map(() => Infinity);
  const recalls: number[] = [];
  for (let pass = 0; pass < runs; pass += 1) {
    for (const [index, query] of queries.entries()) {
      const started = performance.now();
      const hits = await search(query);
      latenciesMs[index] = Math.min(latenciesMs[index]!, performance.now() - started);
      if (pass === 0) recalls.push(recallAtK(hits.map(rowOf), truth[index]!));
    }
  }
  const row = {
    setting,
    queryCount: queries.length,
    passes: runs,
    p50Ms: percentile(latenciesMs, 0.5),
    p95Ms: percentile(latenciesMs, 0.95),
    recall: recalls.reduce((sum, value) => sum + value, 0) / recalls.length,
    worstRecall: Math.min(...recalls),
    plan,
    loadAverage: loadAverage(),
  };
  log(
    `${setting}: p50 ${row.p50Ms.toFixed(1)} ms, p95 ${row.p95Ms.toFixed(1)} ms, recall@${k} ${row.recall.toFixed(3)} (${plan}; load ${row.loadAverage})`,
  );
  return row;
}

async function loadPatches(store: Store, source: ClusteredVectorSource, exact: ExactNeighbours) {
  const dimensions = source.shape.dimensions;
  const slideIndexById = new Map<string, number>();
  const perSlide = Math.ceil(patchCount / slideCount);
  const started = performance.now();
  let clientSeconds = 0;
  for (let slideIndex = 0; slideIndex * perSlide < patchCount; slideIndex += 1) {
    const firstRow = slideIndex * perSlide;
    const rows = Math.min(perSlide, patchCount - firstRow);
    const slide = await store.slides.create({
      name: `bench-${slideIndex}`,
      filePath: `/bench/${slideIndex}.svs`,
      contentSha256: `bench-${slideIndex}`,
      format: 'aperio-svs',
      widthPx: gridColumns * patchSizePx,
      heightPx: Math.ceil(rows / gridColumns) * patchSizePx,
      patchSizeLevel0Px: patchSizePx,
      encoderId: 'bench',
    });
    slideIndexById.set(slide.id, slideIndex);
    const generated = performance.now();
    const vectors = source.nextDataChunk(rows);
    exact.addChunk(vectors, firstRow);
    const batch: NewPatch[] = Array.from({ length: rows }, (_, cell) => ({
      xLevel0: (cell % gridColumns) * patchSizePx,
      yLevel0: Math.floor(cell / gridColumns) * patchSizePx,
      sizeLevel0Px: patchSizePx,
      tissueFraction: 1,
      embedding: vectors.subarray(cell * dimensions, (cell + 1) * dimensions),
    }));
    clientSeconds += (performance.now() - generated) / 1000;
    await store.patches.insertBatch(slide.id, batch);
    await store.slides.markReady(slide.id, { patchCount: rows, embedding: null });
    if ((slideIndex + 1) % Math.max(1, Math.round(slideCount / 10)) === 0)
      log(
        `loaded ${(firstRow + rows).toLocaleString('en')} / ${patchCount.toLocaleString('en')} (load ${loadAverage()})`,
      );
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const rowOf = (hit: PatchHit) =>
    slideIndexById.get(hit.slideId)! * perSlide + (hit.yLevel0 / patchSizePx) * gridColumns + hit.xLevel0 / patchSizePx;
  return { wallSeconds, clientSeconds, rowOf };
}

async function main() {
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadAverage();
  const database = await createFreshDatabase(serverUrl!);
  const store = await openStore({ dataDir: os.tmpdir(), databaseUrl: database.url });
  const stop = () => {
    log('stopped: dropping the benchmark database');
    void store
      .close()
      .then(() => database.drop())
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const shape = defaultDataShape;
    const source = new ClusteredVectorSource(shape);
    const queryBlock = source.nextQueries(queryCount);
    const queries = Array.from({ length: queryCount }, (_, index) =>
      queryBlock.subarray(index * shape.dimensions, (index + 1) * shape.dimensions),
    );
    const warmup = source.nextQueries(20);
    const warmupQueries = Array.from({ length: 20 }, (_, index) =>
      warmup.subarray(index * shape.dimensions, (index + 1) * shape.dimensions),
    );
    const exact = new ExactNeighbours(queryBlock, shape.dimensions, k);
    log(`loading ${patchCount.toLocaleString('en')} patches into ${slideCount} slides (load ${loadAverageAtStart})`);
    const load = await loadPatches(store, source, exact);
    log(`loaded in ${load.wallSeconds.toFixed(0)} s (${load.clientSeconds.toFixed(0)} s making data and ground truth)`);
    const truth = exact.neighbourIds();
    const vacuumStarted = performance.now();
    await store.handle.withConnection!((connection) => connection.query('VACUUM ANALYZE patches'));
    const vacuumSeconds = (performance.now() - vacuumStarted) / 1000;
    const [sizes] = await store.handle.withConnection!((connection) =>
      connection.query<{ bytes: string }>(`SELECT pg_total_relation_size('patches')::text AS bytes`),
    );

    const searches: SearchRow[] = [];
    const planOf = async (options: { mode?: 'exact'; probes?: number }) => {
      const plan = await store.search.explainNearestPatches(queries[0]!, { k, ...options });
      return plan.includes(patchIndexName) ? 'patch index' : 'exact scan';
    };
    const exactSearch = (query: Float32Array) => store.search.nearestPatches(query, { k, mode: 'exact' });
    for (const query of warmupQueries.slice(0, 2)) await exactSearch(query);
    log(`exact reference: ${exactQueryCount} queries`);
    searches.push(
      await measure(
        'exact',
        queries.slice(0, exactQueryCount),
        truth,
        1,
        exactSearch,
        load.rowOf,
        await planOf({ mode: 'exact' }),
      ),
    );

    log(`building the patch index (load ${loadAverage()})`);
    let lastPhase = '';
    const build = await store.patchIndex.build({
      onProgress: (progress) => {
        if (progress.phase === lastPhase) return;
        lastPhase = progress.phase;
        log(
          `  ${progress.phase} (${progress.tuplesDone.toLocaleString('en')} / ${progress.tuplesTotal.toLocaleString('en')})`,
        );
      },
    });
    log(build.message);
    if (build.outcome !== 'built') throw new Error(`the patch index was not built: ${build.message}`);
    const buildLoadAverage = loadAverage();
    for (const probes of probeValues) {
      const search = (query: Float32Array) => store.search.nearestPatches(query, { k, probes });
      for (const query of warmupQueries) await search(query);
      searches.push(
        await measure(`probes=${probes}`, queries, truth, passes, search, load.rowOf, await planOf({ probes })),
      );
    }
    const result = {
      benchmark: 'vector-search/patch-index',
      startedAt,
      finishedAt: new Date().toISOString(),
      patches: patchCount,
      slides: slideCount,
      dimensions: shape.dimensions,
      k,
      machine: { cpus: os.cpus().length, node: process.version, loadAverageAtStart, loadAverageAtEnd: loadAverage() },
      load: {
        wallSeconds: load.wallSeconds,
        clientSeconds: load.clientSeconds,
        vacuumAnalyzeSeconds: vacuumSeconds,
        tableBytes: Number(sizes?.bytes ?? 0),
      },
      index: {
        statement: 'createPatchIndexStatement (packages/store/src/patch-index/patch-index-definition.ts)',
        lists: build.state.lists,
        buildSeconds: build.buildSeconds,
        sizeBytes: build.state.sizeBytes,
        loadAverageAfterBuild: buildLoadAverage,
      },
      searches,
    };
    await mkdir(path.dirname(output), { recursive: true });
    await writeFile(output, `${JSON.stringify(result, null, 2)}\n`);
    const megabytes = (bytes: number | undefined) => `${((bytes ?? 0) / 1_048_576).toFixed(0)} MB`;
    console.log(
      [
        `patch index · PostgreSQL · ${patchCount.toLocaleString('en')} patches in ${slideCount} slides · k=${k} · ${os.cpus().length} CPUs, load average ${loadAverageAtStart} → ${loadAverage()}`,
        `load ${load.wallSeconds.toFixed(0)} s (table ${megabytes(result.load.tableBytes)}) · build ${build.buildSeconds?.toFixed(0)} s, ${build.state.lists} lists, ${megabytes(build.state.sizeBytes)}`,
        '| setting | plan | p50 ms | p95 ms | recall@10 | worst | load |',
        '|---|---|---:|---:|---:|---:|---|',
        ...searches.map(
          (row) =>
            `| ${row.setting} | ${row.plan} | ${row.p50Ms.toFixed(1)} | ${row.p95Ms.toFixed(1)} | ${row.recall.toFixed(3)} | ${row.worstRecall.toFixed(1)} | ${row.loadAverage} |`,
        ),
      ].join('\n'),
    );
    log(`wrote ${path.relative(process.cwd(), output)}`);
  } finally {
    await store.close();
    await database.drop();
  }
}

await main();
