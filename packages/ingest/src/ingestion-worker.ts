import { EventEmitter } from 'node:events';
import type { PatchIndexPolicy } from '@pathlens/store';
import type { IngestionDependencies } from './ingest-slide.ts';
import type { IngestionProgress } from './ingestion-progress.ts';
import { QueueWorker, type JobOutcome, type PipelineOptions } from './jobs/queue-worker.ts';
import { createWorkerId } from './jobs/worker-id.ts';

export interface IngestionWorkerOptions extends PipelineOptions {
  /** Worker loops in this process, each on its own slide; 0 runs none (other processes do the work). Default 1. */
  concurrency?: number;
  /** A slide whose worker died this many times is marked failed. Default 3. */
  maxAttempts?: number;
  /** A running slide with no heartbeat for this long is taken over. Default 60. */
  staleAfterSeconds?: number;
  /** How often an idle loop looks for work, in milliseconds. Default 1000. */
  pollIntervalMs?: number;
  /** `server` when the loops run inside a server process (its crash is not charged to a progressing slide). Default
   * `worker`.
   */
  processKind?: 'server' | 'worker';
  /**
   * When to build the cross-slide patch index (PostgreSQL server only): checked at start and after
   * every ingested slide, built in the background. Undefined: never automatically.
   */
  patchIndex?: PatchIndexPolicy;
}

/**
 * The ingestion workers of one process, over the job queue in the database (the slide rows:
 * see `IngestionJobRepository`). Any number of processes may run them against one PostgreSQL
 * server; they never take the same slide twice, and a slide whose worker died is taken over
 * and resumed from its stored batches. On the embedded store this process is the only one,
 * so `start()` takes over whatever a crashed predecessor left running right away.
 *
 * Emits `progress` (IngestionProgress) and `finished` (JobOutcome).
 *
 * @example
 * const ingestion = new IngestionWorker({ store, imageEncoder, logger }, { minTissueFraction: 0.25, batchSize: 32 });
 * await ingestion.start();
 * ingestion.enqueue(slide.id); // after registerSlide: look now rather than at the next poll
 */
export class IngestionWorker extends EventEmitter {
  readonly #loops: QueueWorker[];
  #started: Promise<void> | null = null;
  readonly #patchIndexPolicy: PatchIndexPolicy | undefined;

  constructor(
    private readonly dependencies: IngestionDependencies,
    options: IngestionWorkerOptions,
  ) {
    super();
    const {
      concurrency = 1,
      maxAttempts = 3,
      staleAfterSeconds = 60,
      pollIntervalMs,
      processKind = 'worker',
      patchIndex,
      ...pipeline
    } = options;
    this.#patchIndexPolicy = patchIndex;
    this.#loops = Array.from(
      { length: concurrency },
      () =>
        new QueueWorker(
          dependencies,
          {
            pipeline,
            workerId: createWorkerId(processKind),
            maxAttempts,
            staleAfterSeconds,
            ...(pollIntervalMs === undefined ? {} : { pollIntervalMs }),
          },
          {
            progress: (progress) => this.emit('progress', progress),
            finished: (outcome: JobOutcome) => {
              if (outcome.status === 'ready') this.#maintainPatchIndex();
              this.emit('finished', outcome);
            },
          },
        ),
    );
  }

  /** Worker ids of this process's loops (as stored in `slides.worker_id`). */
  get workerIds(): string[] {
    return this.#loops.map((loop) => loop.workerId);
  }

  /** Start the loops. On the embedded store, first release what a crashed run left `running`. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      const { store, logger } = this.dependencies;
      if (store.handle.driver === 'pglite' && this.#loops.length > 0) {
        const abandoned = await store.ingestionJobs.abandonAllRunning();
        if (abandoned > 0) logger.info(`resuming ingestion of ${abandoned} slide(s) an earlier run left unfinished`);
      }
      for (const loop of this.#loops) loop.start();
      if (this.#loops.length > 0) this.#maintainPatchIndex();
    })();
    return this.#started;
  }

  /** A slide was queued: idle loops look now. (The queue itself is the database; this is only a nudge.) */
  enqueue(_slideId: string): void {
    void this.start().then(() => {
      for (const loop of this.#loops) loop.wake();
    });
  }

  /** Live progress while this process ingests the slide (other processes' work: read the slide row). */
  progress(slideId: string): IngestionProgress | undefined {
    return this.#loops.find((loop) => loop.current?.slideId === slideId)?.current ?? undefined;
  }

  /** Stop ingesting this slide in this process, if a loop holds it (before deleting it); resolves when it has stopped.
   *
   */
  async cancel(slideId: string): Promise<void> {
    await Promise.all(this.#loops.map((loop) => loop.cancel(slideId)));
  }

  /** Resolves once every loop has found the queue empty. */
  async idle(): Promise<void> {
    await this.#started;
    await Promise.all(this.#loops.map((loop) => loop.whenIdle()));
  }

  /**
   * Build or rebuild the patch index in the background when the policy says it is due (one query
   * when it is not). The build runs CONCURRENTLY on its own connection: ingestion and search go on.
   */
  #maintainPatchIndex(): void {
    const policy = this.#patchIndexPolicy;
    if (!policy) return;
    const { store, logger } = this.dependencies;
    void store.patchIndex
      .maintain(policy)
      .then((result) => {
        if (result) logger.info(`patch index: ${result.message}`, { outcome: result.outcome, rows: result.rows });
      })
      .catch((error: unknown) => logger.warn(`patch index: building failed: ${(error as Error).message}`));
  }

  /** Store the batches in hand, give unfinished slides back to the queue, stop. */
  async stop(): Promise<void> {
    await this.#started?.catch(() => {});
    await Promise.all(this.#loops.map((loop) => loop.stop()));
  }
}
