import type { SlideRow } from '@pathlens/store';
import { ingestSlide, type IngestionDependencies, type IngestSlideOptions } from '../ingest-slide.ts';
import { progressOf, type IngestionProgress } from '../ingestion-progress.ts';
import { JobLease } from './job-lease.ts';
import { measureEncoder } from './measured-encoder.ts';

/** What the pipeline is told for every slide (the worker adds the signal and progress callback). */
export type PipelineOptions = Omit<IngestSlideOptions, 'signal' | 'onProgress'>;

/** How a worker takes jobs from the queue. */
export interface QueueWorkerOptions {
  pipeline: PipelineOptions;
  /** Recorded on the slides it holds (see `createWorkerId`). */
  workerId: string;
  /** A dead worker's slide is retried while its attempts are below this, then failed. */
  maxAttempts: number;
  /** A running slide with no heartbeat for this long is taken over. Heartbeats go out every quarter of it, and after
   * every stored batch.
   */
  staleAfterSeconds: number;
  /** How often an idle worker looks for work, in milliseconds. Default 1000. */
  pollIntervalMs?: number;
}

/** How one job ended. */
export interface JobOutcome {
  slideId: string;
  status: 'ready' | 'failed' | 'released' | 'lost' | 'cancelled';
  /** Why it failed; for `failed` only. */
  reason?: string;
  /** Patches this attempt embedded (a resumed slide skips what was stored before). */
  patchesEncoded: number;
}

export interface QueueWorkerEvents {
  progress(progress: IngestionProgress): void;
  finished(outcome: JobOutcome): void;
}

/**
 * One worker loop: claim the oldest claimable slide, ingest it while heartbeating, claim the
 * next; when there is none, wait `pollIntervalMs` (or until `wake()`). One slide at a time.
 * `stop()` lets the batch being encoded be stored, then gives the slide back to the queue.
 */
export class QueueWorker {
  readonly #stopController = new AbortController();
  readonly #idleWaiters: (() => void)[] = [];
  #loop: Promise<void> | null = null;
  #waiting = false;
  #wakePending = false;
  #wakeSleeper: (() => void) | null = null;
  #current: IngestionProgress | null = null;
  #job: { slideId: string; cancel: AbortController; finished: Promise<void> } | null = null;

  constructor(
    private readonly dependencies: IngestionDependencies,
    private readonly options: QueueWorkerOptions,
    private readonly events: Partial<QueueWorkerEvents> = {},
  ) {}

  get workerId(): string {
    return this.options.workerId;
  }

  /** Live progress of the slide this worker holds, if any. */
  get current(): IngestionProgress | null {
    return this.#current;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Look for work now rather than at the next poll (a slide was just queued). */
  wake(): void {
    this.#wakePending = true;
    this.#wakeSleeper?.();
  }

  /** Resolves once this worker has found the queue empty (or has stopped). */
  whenIdle(): Promise<void> {
    if (!this.#loop || this.#stopController.signal.aborted || (this.#waiting && !this.#wakePending))
      return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stop working on this slide now if this worker holds it (it is being deleted): nothing more
   * is written for it, and the slide row is left as it is for the deleter. Resolves once the job has ended.
   */
  async cancel(slideId: string): Promise<void> {
    if (this.#job?.slideId !== slideId) return;
    this.#job.cancel.abort();
    await this.#job.finished;
  }

  /** Finish storing the batch in hand, give the slide back to the queue, and stop. */
  async stop(): Promise<void> {
    this.#stopController.abort();
    this.#wakeSleeper?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const { logger } = this.dependencies;
    const stopSignal = this.#stopController.signal;
    while (!stopSignal.aborted) {
      this.#wakePending = false;
      let slide: SlideRow | undefined;
      try {
        slide = await this.#claim();
      } catch (error) {
        if (stopSignal.aborted) break;
        logger.warn(`cannot claim an ingestion job: ${(error as Error).message}; retrying`, {
          workerId: this.workerId,
        });
      }
      if (slide && stopSignal.aborted) {
        // stopped while claiming: hand it straight back
        await this.dependencies.store.ingestionJobs.release(slide.id, this.workerId).catch(() => {});
        break;
      }
      if (slide) {
        const cancel = new AbortController();
        const finished = this.#work(slide, cancel.signal);
        this.#job = { slideId: slide.id, cancel, finished };
        await finished;
        this.#job = null;
        continue;
      }
      if (!this.#wakePending) this.#settleIdle();
      await this.#sleep();
    }
    this.#settleIdle();
  }

  async #claim(): Promise<SlideRow | undefined> {
    const { store, imageEncoder, logger } = this.dependencies;
    const { maxAttempts, staleAfterSeconds } = this.options;
    for (const resumed of await store.ingestionJobs.forgiveProcessCrashes({ staleAfterSeconds })) {
      logger.info(`a process crash interrupted ingesting ${resumed.name}; it resumes without losing an attempt`, {
        slideId: resumed.id,
        interruptions: resumed.interruptions,
        attempts: resumed.attempts,
      });
    }
    for (const exhausted of await store.ingestionJobs.failExhausted({ maxAttempts, staleAfterSeconds })) {
      logger.warn(`ingestion failed: ${exhausted.failureReason}`, { slideId: exhausted.id });
      this.events.finished?.({
        slideId: exhausted.id,
        status: 'failed',
        reason: exhausted.failureReason ?? '',
        patchesEncoded: 0,
      });
    }
    return store.ingestionJobs.claimNext({
      workerId: this.workerId,
      encoderId: imageEncoder.modelId,
      maxAttempts,
      staleAfterSeconds,
    });
  }

  async #work(slide: SlideRow, cancelSignal: AbortSignal): Promise<void> {
    const { store, logger } = this.dependencies;
    const job = { slideId: slide.id, workerId: this.workerId };
    const stopSignal = this.#stopController.signal;
    const lease = new JobLease(store.ingestionJobs, job, (this.options.staleAfterSeconds * 1000) / 4, logger);
    const { encoder, usage } = measureEncoder(this.dependencies.imageEncoder);
    const attempt = { startedAtMs: Date.now(), tilesDoneAtStart: slide.tilesDone };
    this.#current = progressOf(slide.id, slide, attempt);
    logger.info(`ingesting ${slide.name}`, { ...job, attempt: slide.attempts, patchesStored: slide.patchCount });
    // With an encoder on the main thread (ENCODER_THREAD=main, or `pathlens worker`),
    // onnxruntime-node blocks the event loop for a whole batch and timer heartbeats wait for
    // it: a batch that takes half the stale limit risks a takeover, so warn about it.
    let lastBatchMs = performance.now();
    let warnedSlowBatch = false;
    let outcome: JobOutcome;
    try {
      await ingestSlide({ store, imageEncoder: encoder, logger, openSlide: this.dependencies.openSlide }, slide, {
        ...this.options.pipeline,
        signal: AbortSignal.any([stopSignal, lease.signal, cancelSignal]),
        onProgress: (counts) => {
          lease.beat();
          const batchSeconds = (performance.now() - lastBatchMs) / 1000;
          lastBatchMs = performance.now();
          if (!warnedSlowBatch && batchSeconds > this.options.staleAfterSeconds / 2) {
            warnedSlowBatch = true;
            logger.warn(
              `a batch took ${batchSeconds.toFixed(0)} s, over half of INGEST_STALE_SECONDS (${this.options.staleAfterSeconds}): raise INGEST_STALE_SECONDS or lower ENCODER_BATCH_SIZE, or other workers may take this slide over`,
              job,
            );
          }
          this.#current = progressOf(slide.id, counts, attempt);
          this.events.progress?.(this.#current);
        },
      });
      outcome = { slideId: slide.id, status: 'ready', patchesEncoded: usage.images };
      const seconds = (Date.now() - attempt.startedAtMs) / 1000;
      logger.info(`ingested ${slide.name}`, {
        ...job,
        ...outcome,
        seconds,
        encoderBusyFraction: seconds > 0 ? usage.busyMs / 1000 / seconds : null,
      });
    } catch (error) {
      outcome = cancelSignal.aborted
        ? { slideId: slide.id, status: 'cancelled', patchesEncoded: usage.images }
        : await this.#afterError(slide, error, usage.images, lease);
    } finally {
      await lease.end();
      this.#current = null;
    }
    this.events.finished?.(outcome);
  }

  /** A failure fails the slide; a stop gives it back to the queue; a lost lease leaves it to its new holder. */
  async #afterError(slide: SlideRow, error: unknown, patchesEncoded: number, lease: JobLease): Promise<JobOutcome> {
    const { store, logger } = this.dependencies;
    const job = { slideId: slide.id, workerId: this.workerId };
    if (lease.lost) return { slideId: slide.id, status: 'lost', patchesEncoded };
    try {
      if (this.#stopController.signal.aborted) {
        await store.ingestionJobs.release(slide.id, this.workerId);
        logger.info(`stopped ingesting ${slide.name}; it is queued again and resumes where it stopped`, {
          ...job,
          patchesEncoded,
        });
        return { slideId: slide.id, status: 'released', patchesEncoded };
      }
      const reason = error instanceof Error ? error.message : String(error);
      logger.warn(`ingestion failed: ${reason}`, job);
      await store.ingestionJobs.fail(slide.id, this.workerId, reason);
      return { slideId: slide.id, status: 'failed', reason, patchesEncoded };
    } catch (storeError) {
      // The database is unreachable: the slide keeps `running` and is taken over once its heartbeat is stale.
      logger.error(`cannot record the end of ingesting ${slide.name}: ${(storeError as Error).message}`, job);
      return { slideId: slide.id, status: 'lost', patchesEncoded };
    }
  }

  #sleep(): Promise<void> {
    if (this.#wakePending || this.#stopController.signal.aborted) return Promise.resolve();
    this.#waiting = true;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.options.pollIntervalMs ?? 1000);
      timer.unref(); // an idle worker alone never keeps a process alive
      const sleeper = done;
      this.#wakeSleeper = sleeper;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    }).finally(() => {
      this.#waiting = false;
      this.#wakeSleeper = null;
    });
  }

  #settleIdle(): void {
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}
