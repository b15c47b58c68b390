import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema/index.ts';

/** The drizzle database both drivers produce: one schema, one query code path. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DriverName = 'pglite' | 'postgres';

export interface DatabaseHandle {
  readonly db: Database;
  readonly driver: DriverName;
  /** Human-readable location (a directory or a URL without its password). */
  readonly location: string;
  close(): Promise<void>;
}
