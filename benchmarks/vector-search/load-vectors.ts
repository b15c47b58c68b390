import type { BenchDatabase } from './bench-database.ts';
import { BinaryCopyWriter } from '@pathlens/store';
import type { ClusteredVectorSource } from './clustered-vectors.ts';
import type { ExactNeighbours } from './exact-neighbours.ts';
import { tableName } from './index-variants.ts';

export interface LoadOptions {
  rowCount: number;
  /** Rows generated, scored and sent per block. */
  blockRows: number;
  /** `external` is pgvector's default (a 512-d vector, 2 KB, goes to TOAST); `plain` keeps it in the row. */
  storage: 'external' | 'plain';
  onProgress?: (loadedRows: number) => void;
}

export interface LoadResult {
  rowCount: number;
  /** Wall time of the whole COPY, including generating the vectors and the ground truth. */
  wallSeconds: number;
  /** Of that, time spent in JavaScript making the data and the ground truth and encoding rows. */
  clientSeconds: number;
  /**
   * Seconds the database itself spent on the COPY: embedded, wall − client (one thread
   * does both); server, the backend's CPU time (the client works meanwhile, so wall − client
   * says little there); undefined when the backend cannot be observed.
   */
  databaseSeconds?: number;
  /** rowCount / databaseSeconds (falls back to wall − client). */
  copyRowsPerSecond: number;
  vacuumAnalyzeSeconds: number;
  /** pg_total_relation_size of the table (heap + TOAST, no vector index). */
  tableBytes: number;
  toastBytes: number;
}

/**
 * Creates the table, streams `rowCount` generated vectors into it with binary COPY (ids
 * 0…rowCount−1) while scoring them against the queries for the ground truth, then
 * VACUUM ANALYZE. No index exists while loading: indexes are built after the bulk load.
 */
export async function loadVectors(
  database: BenchDatabase,
  source: ClusteredVectorSource,
  exact: ExactNeighbours,
  options: LoadOptions,
): Promise<LoadResult> {
  const { dimensions } = source.shape;
  await database.query(`create table ${tableName} (id integer not null, embedding vector(${dimensions}) not null)`);
  if (options.storage === 'plain')
    await database.query(`alter table ${tableName} alter column embedding set storage plain`);
  let clientSeconds = 0;
  async function* blocks(): AsyncGenerator<Uint8Array> {
    for (let firstId = 0; firstId < options.rowCount; firstId += options.blockRows) {
      const started = performance.now();
      const rows = Math.min(options.blockRows, options.rowCount - firstId);
      const vectors = source.nextDataChunk(rows);
      exact.addChunk(vectors, firstId);
      const block = new BinaryCopyWriter(rows * (14 + 4 * dimensions));
      for (let row = 0; row < rows; row += 1)
        block
          .row(2)
          .int32(firstId + row)
          .vector(vectors.subarray(row * dimensions, (row + 1) * dimensions));
      clientSeconds += (performance.now() - started) / 1000;
      options.onProgress?.(firstId + rows);
      yield block.finish();
    }
  }
  const started = performance.now();
  const cpuBefore = await database.cpuSeconds();
  await database.copyBinary(tableName, ['id', 'embedding'], blocks());
  const wallSeconds = (performance.now() - started) / 1000;
  const cpuAfter = await database.cpuSeconds();
  const databaseSeconds =
    database.store === 'embedded'
      ? wallSeconds - clientSeconds
      : cpuBefore === undefined || cpuAfter === undefined
        ? undefined
        : cpuAfter - cpuBefore;
  const vacuumStarted = performance.now();
  await database.query(`vacuum analyze ${tableName}`);
  const vacuumAnalyzeSeconds = (performance.now() - vacuumStarted) / 1000;
  const [sizes] = await database.query<{ total: string; toast: string }>(
    `select pg_total_relation_size(c.oid)::text as total, coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)::text as toast from pg_class c where c.relname = $1`,
    [tableName],
  );
  const [count] = await database.query<{ count: string }>(`select count(*)::text as count from ${tableName}`);
  if (Number(count?.count) !== options.rowCount)
    throw new Error(`Loaded ${count?.count} rows, expected ${options.rowCount}`);
  return {
    rowCount: options.rowCount,
    wallSeconds,
    clientSeconds,
    databaseSeconds,
    copyRowsPerSecond: options.rowCount / Math.max(1e-9, databaseSeconds ?? wallSeconds - clientSeconds),
    vacuumAnalyzeSeconds,
    tableBytes: Number(sizes?.total ?? 0),
    toastBytes: Number(sizes?.toast ?? 0),
  };
}
