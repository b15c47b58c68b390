import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type * as schema from './schema/index.ts';

/** The drizzle database both drivers produce: one schema, one query code path. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DriverName = 'pglite' | 'postgres';

/** One server connection held for a piece of work (see `DatabaseHandle.withConnection`). */
export interface DatabaseConnection {
  query<Row extends Record<string, unknown>>(statement: string, parameters?: unknown[]): Promise<Row[]>;
}

export interface DatabaseHandle {
  readonly db: Database;
  readonly driver: DriverName;
  /** Human-readable location (a directory or a URL without its password). */
  readonly location: string;
  /**
   * In one transaction: run `before`, load `data` (a binary COPY stream, see BinaryCopyWriter)
   * with `copy` (`COPY <table> (<columns>) FROM STDIN WITH (FORMAT binary)`), then run `after`.
   * The fast path for bulk rows: no per-value parameters, no text parsing of vectors.
   */
  copyBinary(steps: { before: string[]; copy: string; data: Uint8Array; after: string[] }): Promise<void>;
  /**
   * PostgreSQL server only (undefined on PGlite): run `work` on one connection held for it, for
   * session-level state (advisory locks, SET) and statements that cannot run in a transaction
   * (CREATE INDEX CONCURRENTLY). Session settings are reset when it is handed back.
   */
  withConnection?: <T>(work: (connection: DatabaseConnection) => Promise<T>) => Promise<T>;
  close(): Promise<void>;
}
