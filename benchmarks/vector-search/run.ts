/**
 * Vector search benchmark: pgvector on the embedded store (PGlite, in-process) and on a
 * PostgreSQL server, with clustered 512-d data; prints build time, index size, p50/p95
 * latency and recall@10 against exact search at several search-effort settings, and
 * writes the same numbers as JSON. See README.md beside this file.
 *
 * @example
 * npx tsx benchmarks/vector-search/run.ts --store embedded --vectors 100000
 * DATABASE_URL=$(bash .ci/setup-postgres.sh) npx tsx benchmarks/vector-search/run.ts --store postgres --vectors 1000000
 * --indexes ivfflat,hnsw-binary
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchDatabase } from './bench-database.ts';
import { ClusteredVectorSource, defaultDataShape } from './clustered-vectors.ts';
import { openEmbeddedDatabase } from './embedded-database.ts';
import { ExactNeighbours } from './exact-neighbours.ts';
import {
  exactVariant,
  indexName,
  indexVariant,
  indexVariantNames,
  type IndexVariantName,
  type VariantOptions,
} from './index-variants.ts';
import { loadVectors } from './load-vectors.ts';
import { measureSearch } from './measure-search.ts';
import { formatReport, targetsFor, type VariantResult } from './report.ts';
import { openServerDatabase } from './server-database.ts';

const usage = `usage: npx tsx benchmarks/vector-search/run.ts [options]
  --store embedded|postgres       embedded: PGlite in a temp dir (default); postgres: a new database on DATABASE_URL
  --vectors N                     rows to load (default 100000)
  --indexes a,b                   of ${indexVariantNames.join(', ')}
                                  (default embedded: ivfflat,hnsw-binary,hnsw; postgres: all)
  --queries N                     timed queries per effort setting, scored for recall (default 200)
  --passes N                      runs of each query; its fastest time counts (default 2: a busy machine's
                                  scheduling delays otherwise dominate p95; 1: single run)
  --warmup-queries N              untimed queries before each setting (default 20)
  --exact-queries N               queries for the exact (no index) scan (default: 50 up to 100k rows, fewer above)
  --ef-search 40,100,200          HNSW search efforts
  --rerank-candidates 100,200,400 binary-quantised HNSW: candidates re-ranked exactly (ef_search = candidates)
  --lists N --probes a,b,c        IVFFlat (default lists rows/1000, probes 2/5/10 % of lists)
  --m 16 --ef-construction 64     HNSW build parameters (pgvector defaults)
  --maintenance-work-mem SIZE     for index builds (default embedded 1GB; postgres: 4 kB a row, 256MB…4GB)
  --parallel-workers N            max_parallel_maintenance_workers on the server (default 1: leader + 1 on 2 cores)
  --storage plain|external        vector column storage (default plain, as the product's schema since
                                  migrations/0003; external: pgvector's default, each 512-d vector in TOAST)
  --seed N                        data seed (default ${defaultDataShape.seed})
  --output FILE                   JSON results (default benchmarks/vector-search/results/<store>-<vectors>.json)`;

function parseOptions() {
  const { values } = parseArgs({
    options: {
      store: { type: 'string', default: 'embedded' },
      vectors: { type: 'string', default: '100000' },
      indexes: { type: 'string' },
      queries: { type: 'string', default: '200' },
      'warmup-queries': { type: 'string', default: '20' },
      passes: { type: 'string', default: '2' },
      'exact-queries': { type: 'string' },
      'ef-search': { type: 'string', default: '40,100,200' },
      'rerank-candidates': { type: 'string', default: '100,200,400' },
      lists: { type: 'string' },
      probes: { type: 'string' },
      m: { type: 'string', default: '16' },
      'ef-construction': { type: 'string', default: '64' },
      'maintenance-work-mem': { type: 'string' },
      'parallel-workers': { type: 'string', default: '1' },
      storage: { type: 'string', default: 'plain' },
      seed: { type: 'string', default: String(defaultDataShape.seed) },
      output: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const positiveInteger = (name: string, text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) fail(`--${name} must be a positive integer, got "${text}"`);
    return value;
  };
  const integerList = (name: string, text: string) => text.split(',').map((part) => positiveInteger(name, part.trim()));
  const store = values.store as 'embedded' | 'postgres';
  if (store !== 'embedded' && store !== 'postgres') fail(`--store must be embedded or postgres, got "${values.store}"`);
  const storage = values.storage as 'external' | 'plain';
  if (storage !== 'external' && storage !== 'plain')
    fail(`--storage must be external or plain, got "${values.storage}"`);
  const vectors = positiveInteger('vectors', values.vectors);
  const indexes = (values.indexes ?? (store === 'embedded' ? 'ivfflat,hnsw-binary,hnsw' : indexVariantNames.join(',')))
    .split(',')
    .map((name) => name.trim());
  for (const name of indexes)
    if (!indexVariantNames.includes(name as IndexVariantName))
      fail(`--indexes: unknown index "${name}"; choose from ${indexVariantNames.join(', ')}`);
  const queries = positiveInteger('queries', values.queries);
  return {
    store,
    storage,
    vectors,
    indexes: indexes as IndexVariantName[],
    queries,
    warmupQueries: Number(values['warmup-queries']),
    passes: positiveInteger('passes', values.passes),
    exactQueries: Math.min(
      queries,
      values['exact-queries']
        ? positiveInteger('exact-queries', values['exact-queries'])
        : Math.max(10, Math.min(50, Math.round(5_000_000 / vectors))),
    ),
    efSearchValues: integerList('ef-search', values['ef-search']),
    rerankCandidateValues: integerList('rerank-candidates', values['rerank-candidates']),
    lists: values.lists ? positiveInteger('lists', values.lists) : undefined,
    probes: values.probes ? integerList('probes', values.probes) : undefined,
    m: positiveInteger('m', values.m),
    efConstruction: positiveInteger('ef-construction', values['ef-construction']),
    maintenanceWorkMem:
      values['maintenance-work-mem'] ??
      (store === 'embedded' ? '1GB' : `${Math.min(4096, Math.max(256, Math.ceil((vectors * 4) / 1024)))}MB`),
    parallelWorkers: Number(values['parallel-workers']),
    seed: positiveInteger('seed', values.seed),
    output:
      values.output ??
      path.join(import.meta.dirname, 'results', `${store}-${vectors}${storage === 'plain' ? '-plain' : ''}.json`),
  };
}

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

const log = (text: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const literal = (vectors: Float32Array, row: number, dimensions: number) =>
  `[${Array.from(vectors.subarray(row * dimensions, (row + 1) * dimensions)).join(',')}]`;

async function main() {
  const options = parseOptions();
  const shape = { ...defaultDataShape, seed: options.seed };
  const k = 10;
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = os.loadavg();
  let database: BenchDatabase;
  if (options.store === 'postgres') {
    const serverUrl = process.env.DATABASE_URL;
    if (!serverUrl)
      fail('--store postgres needs DATABASE_URL: start a server with `DATABASE_URL=$(bash .ci/setup-postgres.sh)`');
    database = await openServerDatabase(serverUrl);
  } else {
    database = await openEmbeddedDatabase();
  }
  const closeOnSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: dropping the benchmark database`);
    void database.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', closeOnSignal);
  process.once('SIGTERM', closeOnSignal);
  try {
    const databaseDescription = await database.describe();
    log(`${options.store}: ${databaseDescription.server?.split(',')[0]}, pgvector ${databaseDescription.pgvector}`);
    const source = new ClusteredVectorSource(shape);
    const measuredQueries = source.nextQueries(options.queries);
    const warmupQueries = source.nextQueries(options.warmupQueries);
    const exact = new ExactNeighbours(measuredQueries, shape.dimensions, k);
    let nextProgress = 0;
    const load = await loadVectors(database, source, exact, {
      rowCount: options.vectors,
      blockRows: 10_000,
      storage: options.storage,
      onProgress: (rows) => {
        if (rows >= nextProgress) {
          log(`loaded ${rows.toLocaleString('en')} / ${options.vectors.toLocaleString('en')}`);
          nextProgress += Math.max(100_000, options.vectors / 10);
        }
      },
    });
    log(`loaded in ${load.wallSeconds.toFixed(1)} s`);
    const truth = exact.neighbourIds();
    const queryLiterals = Array.from({ length: options.queries }, (_, row) =>
      literal(measuredQueries, row, shape.dimensions),
    );
    const warmupLiterals = Array.from({ length: options.warmupQueries }, (_, row) =>
      literal(warmupQueries, row, shape.dimensions),
    );
    const variantOptions: VariantOptions = {
      dimensions: shape.dimensions,
      k,
      rowCount: options.vectors,
      hnswM: options.m,
      hnswEfConstruction: options.efConstruction,
      efSearchValues: options.efSearchValues,
      rerankCandidateValues: options.rerankCandidateValues,
      ivfflatLists: options.lists,
      probeValues: options.probes,
    };
    const results: VariantResult[] = [];
    const targets = targetsFor(options.store);
    // Written after every index too, so a long run that is stopped keeps what it measured.
    const writeResults = async (complete: boolean) => {
      const json = {
        benchmark: 'vector-search',
        complete,
        startedAt,
        finishedAt: new Date().toISOString(),
        store: options.store,
        vectors: options.vectors,
        dimensions: shape.dimensions,
        k,
        queryCount: options.queries,
        passes: options.passes,
        exactQueryCount: options.exactQueries,
        storage: options.storage,
        maintenanceWorkMem: options.maintenanceWorkMem,
        parallelWorkers: options.store === 'embedded' ? 0 : options.parallelWorkers,
        machine: {
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model,
          node: process.version,
          loadAverageAtStart,
          loadAverageAtEnd: os.loadavg(),
        },
        database: databaseDescription,
        data: shape,
        targets,
        load,
        variants: results,
      };
      await mkdir(path.dirname(options.output), { recursive: true });
      await writeFile(options.output, `${JSON.stringify(json, null, 2)}\n`);
    };

    const exactScan = exactVariant(variantOptions);
    log(`exact scan: ${options.exactQueries} queries`);
    results.push({
      name: exactScan.name,
      description: exactScan.description,
      buildParameters: {},
      buildNotices: [],
      measurements: [
        await measureSearch(database, exactScan.efforts[0]!, {
          queries: queryLiterals.slice(0, options.exactQueries),
          truth: truth.slice(0, options.exactQueries),
          warmupQueries: warmupLiterals.slice(0, 2),
          passes: 1,
        }),
      ],
    });
    await writeResults(false);

    await database.query(`set maintenance_work_mem = '${options.maintenanceWorkMem}'`);
    await database.query(
      `set max_parallel_maintenance_workers = ${options.store === 'embedded' ? 0 : options.parallelWorkers}`,
    );
    for (const name of options.indexes) {
      const variant = indexVariant(name, variantOptions);
      log(`building ${name}: ${variant.createIndexSql}`);
      database.takeNotices();
      const buildStarted = performance.now();
      const cpuBefore = await database.cpuSeconds();
      await database.query(variant.createIndexSql!);
      const buildSeconds = (performance.now() - buildStarted) / 1000;
      const cpuAfter = await database.cpuSeconds();
      const [size] = await database.query<{ bytes: string }>(`select pg_relation_size($1::regclass)::text as bytes`, [
        indexName(name),
      ]);
      log(
        `built ${name} in ${buildSeconds.toFixed(1)} s (${cpuBefore === undefined || cpuAfter === undefined ? 'CPU unknown' : `${(cpuAfter - cpuBefore).toFixed(1)} s CPU`})`,
      );
      const result: VariantResult = {
        name,
        description: variant.description,
        buildParameters: variant.buildParameters,
        buildSeconds,
        buildCpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
        indexBytes: Number(size?.bytes ?? 0),
        buildNotices: database.takeNotices(),
        measurements: [],
      };
      for (const effort of variant.efforts) {
        const measurement = await measureSearch(database, effort, {
          queries: queryLiterals,
          truth,
          warmupQueries: warmupLiterals,
          passes: options.passes,
          expectedIndex: indexName(name),
        });
        log(
          `${name} ${effort.label}: p50 ${measurement.p50Ms.toFixed(2)} ms, p95 ${measurement.p95Ms.toFixed(2)} ms, recall@${k} ${measurement.recall.toFixed(3)}`,
        );
        result.measurements.push(measurement);
      }
      results.push(result);
      await writeResults(false);
      await database.query(`drop index ${indexName(name)}`);
    }

    const header =
      `vector search · ${options.store} (${databaseDescription.server?.split(' on ')[0]}, pgvector ${databaseDescription.pgvector}) · ` +
      `${options.vectors.toLocaleString('en')} × ${shape.dimensions}-d clustered · k=${k} · ${options.queries} queries, fastest of ${options.passes} runs each (exact scan: ${options.exactQueries}, 1 run) · ` +
      `${os.cpus().length} CPUs, load average ${loadAverageAtStart.map((value) => value.toFixed(1)).join(' ')} → ${os
        .loadavg()
        .map((value) => value.toFixed(1))
        .join(' ')}`;
    console.log(formatReport(header, load, results, targets));
    await writeResults(true);
    log(`wrote ${path.relative(process.cwd(), options.output)}`);
  } finally {
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    await database.close();
  }
}

await main();
