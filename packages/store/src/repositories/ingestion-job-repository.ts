import { and, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { slides, type SlideRow } from '../schema/slides.ts';

/** How a worker claims jobs. */
export interface ClaimOptions {
  /** Recorded on the row; heartbeats and releases must present it. */
  workerId: string;
  /** Only slides registered for this encoder: a worker never mixes embedding spaces. */
  encoderId: string;
  /** A `running` job whose heartbeat is older than this many seconds belongs to a dead worker. */
  staleAfterSeconds: number;
  /** A dead worker's job is taken over while `attempts` is below this; at it, the job fails. */
  maxAttempts: number;
}

/**
 * The ingestion queue. The slide row is the job: `queued` → `running` (held by `worker_id`,
 * alive while `heartbeat_at` is fresh) → `ready` | `failed`. Claiming uses
 * `FOR UPDATE SKIP LOCKED`, so any number of workers, in any number of processes, share
 * one PostgreSQL database without two of them taking the same job; on PGlite (one
 * connection) the same SQL runs serially. All times come from the database's clock, so
 * machines with skewed clocks agree on what is stale.
 */
export class IngestionJobRepository {
  constructor(private readonly db: Database) {}

  /**
   * Take the oldest claimable job: a queued slide, or a running one whose worker stopped
   * heartbeating. Counts the attempt (each claim adds one: taking over a dead worker's job
   * charges its death to the slide) and records where this attempt starts, for the rate.
   * Undefined when there is nothing to do.
   *
   * @example
   * const slide = await store.ingestionJobs.claimNext({ workerId, encoderId, staleAfterSeconds: 30, maxAttempts: 3 });
   */
  async claimNext(options: ClaimOptions): Promise<SlideRow | undefined> {
    const candidate = this.db
      .select({ id: slides.id })
      .from(slides)
      .where(
        and(
          eq(slides.encoderId, options.encoderId),
          or(
            eq(slides.status, 'queued'),
            and(this.abandoned(options.staleAfterSeconds), lt(slides.attempts, options.maxAttempts)),
          ),
        ),
      )
      .orderBy(slides.createdAt)
      .limit(1)
      .for('update', { skipLocked: true });
    const [claimed] = await this.db
      .update(slides)
      .set({
        status: 'running',
        workerId: options.workerId,
        heartbeatAt: sql`now()`,
        attempts: sql`${slides.attempts} + 1`,
        attemptStartedAt: sql`now()`,
        attemptStartTilesDone: sql`${slides.tilesDone}`,
        updatedAt: sql`now()`,
      })
      .where(inArray(slides.id, candidate))
      .returning();
    return claimed;
  }

  /**
   * Give back, uncharged, the abandoned jobs that died with a whole process rather than by
   * themselves: those whose process held other running jobs too (a crash that takes down every
   * job), and those of a server process (`createWorkerId('server')`) whose attempt had stored
   * batches (the slide was making progress; a slide that kills its process at once stores none,
   * and stays charged, so it cannot crash-loop a server). Each is queued again with its attempt
   * count as before the crash, and the crash is counted in `interruptions`. Returns them.
   */
  async forgiveProcessCrashes(options: Pick<ClaimOptions, 'staleAfterSeconds'>): Promise<SlideRow[]> {
    const processOf = (column: SQL) => sql`regexp_replace(${column}, '/[^/]*$', '')`;
    const sameProcessStillRunning = sql`exists (
      select 1 from ${slides} as other
      where other.status = 'running' and other.id <> ${slides.id}
        and ${processOf(sql`other.worker_id`)} = ${processOf(sql`${slides.workerId}`)})`;
    const serverMadeProgress = and(
      sql`${slides.workerId} like '%/server-%'`,
      sql`${slides.tilesDone} > ${slides.attemptStartTilesDone}`,
    );
    return this.db
      .update(slides)
      .set({
        status: 'queued',
        workerId: null,
        heartbeatAt: null,
        attempts: sql`greatest(${slides.attempts} - 1, 0)`,
        interruptions: sql`${slides.interruptions} + 1`,
        updatedAt: sql`now()`,
      })
      .where(and(this.abandoned(options.staleAfterSeconds), or(sameProcessStillRunning, serverMadeProgress)))
      .returning();
  }

  /**
   * Fail the jobs whose workers died `maxAttempts` times (a slide that kills its worker, by
   * running out of memory for example, must not take every worker down in turn), with a
   * reason that says so. Returns them, so the caller can log each.
   */
  async failExhausted(options: Omit<ClaimOptions, 'workerId' | 'encoderId'>): Promise<SlideRow[]> {
    return this.db
      .update(slides)
      .set({
        status: 'failed',
        failureReason: sql`'Ingestion was interrupted ' || ${slides.attempts} || ' times without finishing: the worker process stopped (out of memory, killed, or its machine lost; last worker ' || coalesce(${slides.workerId}, 'unknown') || '). Check that worker''s log, then re-ingest with force to try again.'`,
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(and(this.abandoned(options.staleAfterSeconds), sql`${slides.attempts} >= ${options.maxAttempts}`))
      .returning();
  }

  /**
   * A sign of life for a held job. False when this worker no longer holds it (it was too
   * slow to heartbeat and another worker took the job over): stop working on it.
   */
  async heartbeat(slideId: string, workerId: string): Promise<boolean> {
    const rows = await this.db
      .update(slides)
      .set({ heartbeatAt: sql`now()` })
      .where(this.heldBy(slideId, workerId))
      .returning({ id: slides.id });
    return rows.length > 0;
  }

  /**
   * Give a held job back unfinished (a graceful stop): queued again at once, for any worker,
   * and the interrupted attempt does not count against `maxAttempts`.
   */
  async release(slideId: string, workerId: string): Promise<boolean> {
    const rows = await this.db
      .update(slides)
      .set({
        status: 'queued',
        workerId: null,
        heartbeatAt: null,
        attempts: sql`greatest(${slides.attempts} - 1, 0)`,
        updatedAt: sql`now()`,
      })
      .where(this.heldBy(slideId, workerId))
      .returning({ id: slides.id });
    return rows.length > 0;
  }

  /** Mark a held job failed with its reason; false when this worker no longer holds it. */
  async fail(slideId: string, workerId: string, reason: string): Promise<boolean> {
    const rows = await this.db
      .update(slides)
      .set({ status: 'failed', failureReason: reason, finishedAt: sql`now()`, updatedAt: sql`now()` })
      .where(this.heldBy(slideId, workerId))
      .returning({ id: slides.id });
    return rows.length > 0;
  }

  /**
   * Declare every running job abandoned, so it can be claimed at once. Only for the embedded
   * store, whose single owner process is starting: no other worker can be alive.
   */
  async abandonAllRunning(): Promise<number> {
    const rows = await this.db
      .update(slides)
      .set({ heartbeatAt: null })
      .where(eq(slides.status, 'running'))
      .returning({ id: slides.id });
    return rows.length;
  }

  /** Slides by status, for a worker's log and the operator. */
  async countByStatus(): Promise<Record<SlideRow['status'], number>> {
    const rows = await this.db
      .select({ status: slides.status, count: sql<number>`count(*)::int` })
      .from(slides)
      .groupBy(slides.status);
    const counts = { queued: 0, running: 0, ready: 0, failed: 0 };
    for (const row of rows) counts[row.status] = Number(row.count);
    return counts;
  }

  /** Running, with no heartbeat (never had one, or declared abandoned) or one older than the limit. */
  private abandoned(staleAfterSeconds: number): SQL {
    return and(
      eq(slides.status, 'running'),
      or(isNull(slides.heartbeatAt), sql`${slides.heartbeatAt} < now() - make_interval(secs => ${staleAfterSeconds})`),
    )!;
  }

  private heldBy(slideId: string, workerId: string): SQL {
    return and(eq(slides.id, slideId), eq(slides.workerId, workerId), eq(slides.status, 'running'))!;
  }
}
