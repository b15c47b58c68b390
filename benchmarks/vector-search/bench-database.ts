/** The few things the benchmark needs from a database, for the embedded store and a server alike. */
export interface BenchDatabase {
  /** `embedded` (PGlite in this process) or `postgres` (a server at DATABASE_URL). */
  readonly store: 'embedded' | 'postgres';
  /** One statement, rows back. Parameters are bound (`$1`), never spliced into the text. */
  query<Row extends Record<string, unknown>>(statement: string, parameters?: unknown[]): Promise<Row[]>;
  /**
   * `COPY table (columns) FROM … WITH (FORMAT binary)`, one COPY per block: each block is a whole
   * binary COPY stream (header, rows, trailer) from the store's `BinaryCopyWriter`. Resolves
   * once every row is committed.
   */
  copyBinary(table: string, columns: readonly string[], blocks: AsyncIterable<Uint8Array>): Promise<void>;
  /**
   * CPU seconds used so far by the process doing the database's work: this process for the
   * embedded store; the server backend of our connection when the server runs on this
   * machine (parallel workers not included); undefined when it cannot be read. Wall times
   * on a shared machine vary with contention, CPU seconds much less.
   */
  cpuSeconds(): Promise<number | undefined>;
  /** Notices sent since the last call (pgvector warns when an HNSW graph outgrows maintenance_work_mem). */
  takeNotices(): string[];
  /** Server version, pgvector version and the settings that shape builds and queries. */
  describe(): Promise<Record<string, string>>;
  /** Closes the connection and removes everything the benchmark created (temp directory or database). */
  close(): Promise<void>;
}

/** Settings reported with every result. */
export const reportedSettings = [
  'shared_buffers',
  'work_mem',
  'maintenance_work_mem',
  'max_parallel_maintenance_workers',
  'max_parallel_workers_per_gather',
  'jit',
] as const;

export async function describeDatabase(database: Pick<BenchDatabase, 'query'>): Promise<Record<string, string>> {
  const description: Record<string, string> = {};
  const [version] = await database.query<{ version: string }>('select version() as version');
  description.server = version?.version ?? 'unknown';
  const [vector] = await database.query<{ extversion: string }>(
    `select extversion from pg_extension where extname = 'vector'`,
  );
  description.pgvector = vector?.extversion ?? 'missing';
  for (const setting of reportedSettings) {
    const rows = await database.query<{ setting: string }>(`select current_setting($1, true) as setting`, [setting]);
    description[setting] = rows[0]?.setting ?? 'unknown';
  }
  return description;
}
