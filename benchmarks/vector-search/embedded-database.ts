import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { describeDatabase, type BenchDatabase } from './bench-database.ts';

/**
 * The embedded store as PathLens opens it (PGlite + pgvector on a data directory on disk),
 * in a fresh temporary directory that `close()` deletes.
 */
export async function openEmbeddedDatabase(): Promise<BenchDatabase> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-vector-bench-'));
  const client = await PGlite.create(path.join(directory, 'pglite'), { extensions: { vector } });
  const notices: string[] = [];
  const onNotice = (notice: { message?: string }) => notices.push(notice.message ?? String(notice));
  await client.exec('create extension if not exists vector');
  const database: BenchDatabase = {
    store: 'embedded',
    async query<Row extends Record<string, unknown>>(statement: string, parameters: unknown[] = []) {
      const result = await client.query<Row>(statement, parameters, { onNotice });
      return result.rows;
    },
    async copyBinary(table, columns, blocks) {
      // PGlite reads COPY input from a Blob mounted at /dev/blob: one COPY per block keeps
      // each Blob (and its copy inside the 2 GiB WASM heap) small.
      for await (const block of blocks) {
        const blob = new Blob([block]);
        await client.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob' with (format binary)`, [], {
          blob,
          onNotice,
        });
      }
    },
    async cpuSeconds() {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1e6;
    },
    takeNotices: () => notices.splice(0),
    describe: () => describeDatabase(database),
    async close() {
      await client.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
  return database;
}
