import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { PathLensError } from '@pathlens/core';
import type { Database, DatabaseHandle } from '../../database.ts';
import { migrationsFolder } from '../../migrations-folder.ts';
import * as schema from '../../schema/index.ts';

/** A PostgreSQL server with pgvector, shared by any number of PathLens processes. */
export async function openPostgresDatabase(databaseUrl: string): Promise<DatabaseHandle> {
  const client = postgres(databaseUrl, { max: 10, onnotice: () => {}, connect_timeout: 10 });
  const location = databaseUrl.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@');
  try {
    await client`select 1`;
  } catch (error) {
    await client.end({ timeout: 1 });
    throw new PathLensError(
      'invalid_config',
      `Cannot connect to DATABASE_URL ${location}: ${(error as Error).message}. Check that the server runs and the URL is right, or unset DATABASE_URL to use the embedded store.`,
      { location },
      { cause: error },
    );
  }
  try {
    await migrate(drizzle({ client }), { migrationsFolder });
  } catch (error) {
    await client.end({ timeout: 1 });
    const hint = /extension "vector"/.test(String((error as Error).message))
      ? ' The server needs pgvector installed (see .ci/setup-postgres.sh).'
      : '';
    throw new PathLensError(
      'invalid_config',
      `Migrating ${location} failed: ${(error as Error).message}.${hint}`,
      { location },
      { cause: error },
    );
  }
  const db = drizzle({ client, schema }) as unknown as Database;
  return {
    db,
    driver: 'postgres',
    location,
    async copyBinary({ before, copy, data, after }) {
      await client.begin(async (transaction) => {
        for (const statement of before) await transaction.unsafe(statement);
        const writable = await transaction.unsafe(copy).writable();
        await pipeline(Readable.from([Buffer.from(data.buffer, data.byteOffset, data.byteLength)]), writable);
        for (const statement of after) await transaction.unsafe(statement);
      });
    },
    async withConnection(work) {
      const reserved = await client.reserve();
      try {
        return await work({
          query: async <Row extends Record<string, unknown>>(statement: string, parameters: unknown[] = []) =>
            (await reserved.unsafe(statement, parameters as postgres.ParameterOrJSON<never>[])) as unknown as Row[],
        });
      } finally {
        await reserved.unsafe('RESET ALL').catch(() => {});
        reserved.release();
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}
