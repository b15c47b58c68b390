import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { Database, DatabaseHandle } from '../../database.ts';
import { migrationsFolder } from '../../migrations-folder.ts';
import * as schema from '../../schema/index.ts';
import { claimDataDirectory } from './data-directory-owner.ts';

/**
 * The embedded store: PostgreSQL in WASM with pgvector, persisted in `<dataDir>/pglite`, owned by
 * this process alone until it closes or exits. `serverUrl` tells CLI commands where to talk to it.
 */
export async function openPgliteDatabase(dataDir: string, serverUrl?: string): Promise<DatabaseHandle> {
  const claim = await claimDataDirectory(dataDir);
  if (serverUrl) claim.announce(serverUrl);
  try {
    const directory = path.join(dataDir, 'pglite');
    await mkdir(directory, { recursive: true });
    const client = await PGlite.create(directory, { extensions: { vector } });
    // PGlite's default (64 MB) makes an HNSW build spill past ~25k vectors: 4x slower at 100k.
    // The WASM heap is 2 GiB; 512 MB holds the graph for ~200k 512-d vectors.
    await client.exec(`SET maintenance_work_mem = '512MB'`);
    const db = drizzle({ client, schema }) as unknown as Database;
    await migrate(drizzle({ client }), { migrationsFolder });
    return {
      db,
      driver: 'pglite',
      location: directory,
      async copyBinary({ before, copy, data, after }) {
        await client.transaction(async (transaction) => {
          for (const statement of before) await transaction.exec(statement);
          // PGlite reads COPY … FROM '/dev/blob' from the blob passed with the query.
          await transaction.query(copy.replace(/FROM STDIN/i, `FROM '/dev/blob'`), [], { blob: new Blob([data]) });
          for (const statement of after) await transaction.exec(statement);
        });
      },
      async close() {
        await client.close();
        await claim.release();
      },
    };
  } catch (error) {
    await claim.release();
    throw error;
  }
}
