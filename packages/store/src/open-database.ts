import type { DatabaseHandle } from './database.ts';
import { openPgliteDatabase } from './drivers/pglite/open-pglite-database.ts';
import { openPostgresDatabase } from './drivers/postgres/open-postgres-database.ts';

export interface OpenDatabaseOptions {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** Where the opening process answers HTTP; an embedded store's owner tells CLI commands. */
  serverUrl?: string | undefined;
}

/**
 * Open and migrate the store: a PostgreSQL server when `databaseUrl` is set, otherwise the
 * embedded PGlite database under `dataDir`.
 *
 * @example
 * const handle = await openDatabase({ dataDir: './data' });
 */
export function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  return options.databaseUrl
    ? openPostgresDatabase(options.databaseUrl)
    : openPgliteDatabase(options.dataDir, options.serverUrl);
}
