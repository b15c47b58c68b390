import type { Logger } from '@pathlens/core';
import type { IngestionJobRepository } from '@pathlens/store';

/**
 * A worker's hold on one claimed job: heartbeats on a timer and whenever the caller calls
 * `beat()` (every stored batch), one at a time. When a heartbeat finds the job held by
 * someone else (this worker stalled past the stale limit and was taken over), `signal`
 * aborts: the worker must stop writing to that slide.
 */
export class JobLease {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #inFlight: Promise<void> | null = null;
  #pending = false;
  #lost = false;

  constructor(
    private readonly jobs: IngestionJobRepository,
    private readonly job: { slideId: string; workerId: string },
    heartbeatIntervalMs: number,
    private readonly logger: Logger,
  ) {
    this.#timer = setInterval(() => this.beat(), heartbeatIntervalMs);
    this.#timer.unref();
  }

  /** Aborts when the job was taken over by another worker. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True once another worker holds the job. */
  get lost(): boolean {
    return this.#lost;
  }

  /** Send a heartbeat now (or right after the one in flight). Never throws. */
  beat(): void {
    if (this.#lost) return;
    if (this.#inFlight) {
      this.#pending = true;
      return;
    }
    this.#inFlight = this.#send().finally(() => {
      this.#inFlight = null;
      if (this.#pending) {
        this.#pending = false;
        this.beat();
      }
    });
  }

  /** Stop heartbeating; waits for the heartbeat in flight. */
  async end(): Promise<void> {
    clearInterval(this.#timer);
    this.#pending = false;
    await this.#inFlight;
  }

  async #send(): Promise<void> {
    try {
      const held = await this.jobs.heartbeat(this.job.slideId, this.job.workerId);
      if (!held) {
        this.#lost = true;
        this.logger.warn(
          'another worker took over this slide (this worker missed its heartbeats); stopping work on it',
          { ...this.job },
        );
        this.#controller.abort();
      }
    } catch (error) {
      // A database hiccup: the next beat retries; the job goes stale only if they keep failing.
      this.logger.warn(`heartbeat failed: ${(error as Error).message}`, { ...this.job });
    }
  }
}
