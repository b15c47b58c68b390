import type { DatabaseConnection, DatabaseHandle } from '../database.ts';
import {
  createPatchIndexStatement,
  nextPatchIndexName,
  patchIndexBuildMemoryMb,
  patchIndexLists,
  patchIndexLockKey,
  patchIndexName,
} from './patch-index-definition.ts';

/**
 * - `exact`: the embedded store (PGlite) has no patch index, on purpose (see `embeddedReason`);
 * - `absent`: none built yet (fewer patches than PATCH_INDEX_MIN_ROWS, or never asked for);
 * - `building`: a build is running in some process;
 * - `ready`: cross-slide patch search uses it;
 * - `invalid`: a concurrent build was interrupted; the next build drops and replaces it.
 */
export type PatchIndexStatus = 'exact' | 'absent' | 'building' | 'ready' | 'invalid';

export interface PatchIndexState {
  status: PatchIndexStatus;
  /** IVFFlat lists of the index in place. */
  lists?: number | undefined;
  /** Patch rows when the index in place was built. */
  rowsAtBuild?: number | undefined;
  sizeBytes?: number | undefined;
  /** A build (a first one, or a rebuild while the old index serves) is running in some process. */
  building?: boolean | undefined;
}

export interface PatchIndexProgress {
  /** pg_stat_progress_create_index's phase, e.g. `building index: performing k-means`. */
  phase: string;
  tuplesDone: number;
  tuplesTotal: number;
}

export interface PatchIndexBuildResult {
  /** `built`; `current`: a valid index was there and no rebuild asked for; `busy`: another process builds; `empty`:
   * no patches to learn lists from; `exact`: the embedded store. */
  outcome: 'built' | 'current' | 'busy' | 'empty' | 'exact';
  /** What happened, in a sentence a person can act on. */
  message: string;
  state: PatchIndexState;
  rows?: number;
  buildSeconds?: number;
}

/** When the index is built and rebuilt without being asked (PATCH_INDEX_MIN_ROWS, PATCH_INDEX_GROWTH_FACTOR). */
export interface PatchIndexPolicy {
  /** Build once the store holds this many patches; 0 never builds automatically. */
  minRows: number;
  /** Rebuild once the patch count reaches this multiple of the count at build time (IVFFlat's lists go stale). */
  growthFactor: number;
}

export const embeddedReason =
  'The embedded store (PGlite) keeps exact patch search: an approximate index would make every stored patch row cost ' +
  'milliseconds more while ingesting, halfvec is slow in WebAssembly, and one slide’s patches scan exactly in ' +
  'milliseconds. Set DATABASE_URL to a PostgreSQL server with pgvector to index patches across slides.';

const stateCacheMs = 10_000;

/**
 * The approximate index over all slides' patches (see patch-index-definition.ts): its state,
 * an explicit build (`pathlens index patches`), and `maintain`, which builds or rebuilds it in the
 * background once the patch count passes a threshold. Builds run CONCURRENTLY on a connection of
 * their own under a session advisory lock, so ingestion and search go on and no two processes
 * build at once.
 *
 * @example
 * const result = await store.patchIndex.build({ onProgress: (progress) => console.log(progress.phase) });
 */
export class PatchIndex {
  #cached: { state: PatchIndexState; atMs: number } | undefined;
  #maintaining: Promise<PatchIndexBuildResult | undefined> | undefined;

  constructor(private readonly handle: DatabaseHandle) {}

  /** The index's state from the catalog (the embedded store: `exact`, without a query). */
  async state(): Promise<PatchIndexState> {
    const withConnection = this.handle.withConnection;
    if (this.handle.driver !== 'postgres' || !withConnection) return { status: 'exact' };
    const state = await withConnection((connection) => readState(connection));
    this.#cached = { state, atMs: Date.now() };
    return state;
  }

  /** `state()`, at most 10 s old: what a search or a status route asks. */
  async recentState(): Promise<PatchIndexState> {
    if (this.handle.driver !== 'postgres') return { status: 'exact' };
    if (this.#cached && Date.now() - this.#cached.atMs < stateCacheMs) return this.#cached.state;
    return this.state();
  }

  /** Whether cross-slide patch search should order by the index's expression. */
  async usable(): Promise<boolean> {
    return (await this.recentState()).status === 'ready';
  }

  /**
   * Build the index (or, with `rebuild`, a fresh one swapped in for the old) from the patches
   * stored now. Returns at once with `busy` when another process holds the build lock.
   */
  async build(
    options: {
      rebuild?: boolean;
      onProgress?: (progress: PatchIndexProgress) => void;
      progressIntervalMs?: number;
    } = {},
  ): Promise<PatchIndexBuildResult> {
    const withConnection = this.handle.withConnection;
    if (this.handle.driver !== 'postgres' || !withConnection)
      return { outcome: 'exact', message: embeddedReason, state: { status: 'exact' } };
    return withConnection(async (connection) => {
      const [lock] = await connection.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
        patchIndexLockKey,
      ]);
      if (!lock?.locked) {
        const state = await readState(connection);
        return {
          outcome: 'busy',
          message: 'Another process is building the patch index; it is used once built.',
          state,
        };
      }
      try {
        return await this.#buildLocked(connection, options);
      } finally {
        await connection.query('SELECT pg_advisory_unlock($1)', [patchIndexLockKey]);
        this.#cached = undefined;
      }
    });
  }

  /**
   * Build the index when the store holds `minRows` patches and none is in place, or rebuild it when
   * the patch count has reached `growthFactor` × the count at build time. Cheap when there is nothing
   * to do (one query); one call at a time per process. Returns undefined when nothing was due.
   */
  async maintain(policy: PatchIndexPolicy): Promise<PatchIndexBuildResult | undefined> {
    if (this.handle.driver !== 'postgres' || policy.minRows <= 0) return undefined;
    this.#maintaining ??= (async () => {
      try {
        const state = await this.state();
        if (state.building) return undefined;
        const rows = await this.#estimatedRows();
        if (rows < policy.minRows) return undefined;
        const stale = state.status === 'ready' && rows >= policy.growthFactor * Math.max(1, state.rowsAtBuild ?? 0);
        if (state.status === 'ready' && !stale) return undefined;
        return await this.build({ rebuild: stale });
      } finally {
        this.#maintaining = undefined;
      }
    })();
    return this.#maintaining;
  }

  /** Patches of all slides as the slide rows count them (no table scan). */
  async #estimatedRows(): Promise<number> {
    return this.handle.withConnection!(async (connection) => {
      const [row] = await connection.query<{ rows: string }>(
        'SELECT coalesce(sum(patch_count), 0)::text AS rows FROM slides',
      );
      return Number(row?.rows ?? 0);
    });
  }

  async #buildLocked(
    connection: DatabaseConnection,
    options: { rebuild?: boolean; onProgress?: (progress: PatchIndexProgress) => void; progressIntervalMs?: number },
  ): Promise<PatchIndexBuildResult> {
    const before = await readState(connection);
    if (before.status === 'ready' && !options.rebuild)
      return {
        outcome: 'current',
        message: `The patch index is in place (${before.lists} lists, built over ${before.rowsAtBuild?.toLocaleString('en')} patches); pass --rebuild to build it again.`,
        state: before,
      };
    if (before.status === 'invalid') await connection.query(`DROP INDEX CONCURRENTLY IF EXISTS ${patchIndexName}`);
    await connection.query(`DROP INDEX CONCURRENTLY IF EXISTS ${nextPatchIndexName}`);
    const [counted] = await connection.query<{ rows: string }>('SELECT count(*)::text AS rows FROM patches');
    const rows = Number(counted?.rows ?? 0);
    if (rows === 0)
      return {
        outcome: 'empty',
        message: 'No patches are stored yet: ingest slides first; the index learns its lists from the stored patches.',
        state: await readState(connection),
        rows,
      };
    // Fresh statistics, so the planner weighs the new index against a scan of the table as it is now.
    await connection.query('ANALYZE slides, patches');
    const lists = patchIndexLists(rows);
    const swap = before.status === 'ready';
    const target = swap ? nextPatchIndexName : patchIndexName;
    await connection.query(`SET maintenance_work_mem = '${patchIndexBuildMemoryMb(lists)}MB'`);
    const started = performance.now();
    const stopWatching = options.onProgress
      ? this.#watchProgress(options.onProgress, options.progressIntervalMs ?? 2000)
      : () => {};
    try {
      await connection.query(createPatchIndexStatement(target, lists));
    } finally {
      stopWatching();
    }
    await connection.query(`COMMENT ON INDEX ${target} IS '${JSON.stringify({ rowsAtBuild: rows })}'`);
    if (swap) {
      await connection.query(`DROP INDEX CONCURRENTLY IF EXISTS ${patchIndexName}`);
      await connection.query(`ALTER INDEX ${nextPatchIndexName} RENAME TO ${patchIndexName}`);
    }
    const buildSeconds = (performance.now() - started) / 1000;
    const state = await readState(connection);
    return {
      outcome: 'built',
      message: `Built the patch index over ${rows.toLocaleString('en')} patches (${lists} lists) in ${buildSeconds.toFixed(1)} s.`,
      state,
      rows,
      buildSeconds,
    };
  }

  /** Poll pg_stat_progress_create_index from another connection while the build runs. */
  #watchProgress(onProgress: (progress: PatchIndexProgress) => void, intervalMs: number): () => void {
    let stopped = false;
    const poll = async () => {
      while (!stopped) {
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
        if (stopped) break;
        const [row] = await this.handle.withConnection!((connection) =>
          connection.query<{ phase: string; tuples_done: string; tuples_total: string }>(
            `SELECT phase, tuples_done::text, tuples_total::text FROM pg_stat_progress_create_index
             WHERE relid = 'patches'::regclass`,
          ),
        ).catch(() => []);
        if (row && !stopped)
          onProgress({ phase: row.phase, tuplesDone: Number(row.tuples_done), tuplesTotal: Number(row.tuples_total) });
      }
    };
    void poll();
    return () => {
      stopped = true;
    };
  }
}

async function readState(connection: DatabaseConnection): Promise<PatchIndexState> {
  const [row] = await connection.query<{
    valid: boolean | null;
    options: string[] | null;
    comment: string | null;
    bytes: string | null;
    building: boolean;
  }>(
    `SELECT i.indisvalid AS valid, c.reloptions AS options, obj_description(c.oid, 'pg_class') AS comment,
            pg_relation_size(c.oid)::text AS bytes,
            EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.relid = 'patches'::regclass) AS building
     FROM (SELECT to_regclass($1) AS oid) wanted
     LEFT JOIN pg_class c ON c.oid = wanted.oid
     LEFT JOIN pg_index i ON i.indexrelid = c.oid`,
    [patchIndexName],
  );
  const building = row?.building === true;
  if (row?.valid === null || row?.valid === undefined) return { status: building ? 'building' : 'absent', building };
  if (!row.valid) return { status: building ? 'building' : 'invalid', building };
  const lists = Number(row.options?.find((option) => option.startsWith('lists='))?.slice('lists='.length));
  let rowsAtBuild: number | undefined;
  try {
    rowsAtBuild = (JSON.parse(row.comment ?? '{}') as { rowsAtBuild?: number }).rowsAtBuild;
  } catch {
    rowsAtBuild = undefined;
  }
  return {
    status: 'ready',
    lists: Number.isFinite(lists) ? lists : undefined,
    rowsAtBuild,
    sizeBytes: Number(row.bytes),
    building,
  };
}
