import { PathLensError } from '@pathlens/core';

/** A snapshot of one model's queue, for `/v1/models`, logs and tests. */
export interface QueueStats {
  /** Generations that may run at once (1 for a local model). */
  concurrency: number;
  /** Requests that may wait beyond the running ones; one more is refused with `queue_full`. */
  maxWaiting: number;
  running: number;
  waiting: number;
  /** Most generations ever running at once: never above `concurrency`. */
  peakRunning: number;
  /** Turns granted since start. */
  started: number;
  /** Requests refused because the queue was full. */
  rejected: number;
  /** Requests that left while waiting (their client disconnected). */
  abandoned: number;
  /** Moving average of how long a turn is held, in milliseconds (0 before the first). */
  averageTurnMs: number;
}

/** A place in a model's queue. */
export interface QueuePlace {
  /**
   * Resolves when it is this place's turn to run; rejects with the signal's reason when the
   * signal aborts while still waiting (the place has then left the queue).
   */
  readonly ready: Promise<void>;
  /** End the turn, or leave the line before it came. Idempotent. */
  leave(): void;
}

interface Waiter {
  grant: () => void;
  reject: (reason: unknown) => void;
}

/**
 * A bounded FIFO queue in front of one loaded model: at most `concurrency` generations run,
 * at most `maxWaiting` requests wait in arrival order, and the next one is refused at once
 * with `queue_full` (HTTP 429) and a retry-after estimate. So ten concurrent chats share one
 * loaded model, in order, and a burst cannot pile up unbounded work or memory.
 *
 * @example
 * const queue = new GenerationQueue({ concurrency: 1, maxWaiting: 8 });
 * const place = queue.join(signal); // throws queue_full when 8 already wait
 * try { await place.ready; await generate(); } finally { place.leave(); }
 */
export class GenerationQueue {
  readonly concurrency: number;
  readonly maxWaiting: number;
  private readonly waiters: Waiter[] = [];
  private running = 0;
  private peakRunning = 0;
  private started = 0;
  private rejected = 0;
  private abandoned = 0;
  private averageTurnMs = 0;

  constructor(options: { concurrency: number; maxWaiting: number }) {
    if (!(options.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    if (!(options.maxWaiting >= 0)) throw new RangeError('maxWaiting must be 0 or more');
    this.concurrency = options.concurrency;
    this.maxWaiting = options.maxWaiting;
  }

  /**
   * Take a place: a turn at once when one is free, else a place at the back of the line.
   * Throws `queue_full` (with `retryAfterSeconds`) when the line is full; never waits to say so.
   */
  join(signal?: AbortSignal): QueuePlace {
    if (signal?.aborted) {
      return { ready: Promise.reject(signal.reason ?? new Error('aborted')), leave: () => {} };
    }
    if (this.running < this.concurrency && this.waiters.length === 0) return this.grantNow();
    if (this.waiters.length >= this.maxWaiting) {
      this.rejected++;
      const retryAfterSeconds = this.retryAfterSeconds();
      throw new PathLensError(
        'queue_full',
        `The language model is busy: ${this.running} generation(s) running and ${this.waiters.length} waiting (CHAT_QUEUE_SIZE=${this.maxWaiting}). Retry in about ${retryAfterSeconds} s, or raise CHAT_QUEUE_SIZE.`,
        { retryAfterSeconds, running: this.running, waiting: this.waiters.length },
      );
    }
    let state: 'waiting' | 'running' | 'left' = 'waiting';
    let startedAt = 0;
    let waiter!: Waiter;
    const ready = new Promise<void>((resolve, reject) => {
      waiter = {
        grant: () => {
          state = 'running';
          startedAt = Date.now();
          resolve();
        },
        reject,
      };
    });
    ready.catch(() => {}); // a place abandoned before anyone awaited it is not an unhandled rejection
    this.waiters.push(waiter);
    const onAbort = () => {
      if (state !== 'waiting') return;
      state = 'left';
      this.removeWaiter(waiter);
      this.abandoned++;
      waiter.reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    return {
      ready,
      leave: () => {
        signal?.removeEventListener('abort', onAbort);
        if (state === 'waiting') {
          state = 'left';
          this.removeWaiter(waiter);
          this.abandoned++;
          waiter.reject(new Error('left the queue'));
        } else if (state === 'running') {
          state = 'left';
          this.finishTurn(startedAt);
        }
      },
    };
  }

  stats(): QueueStats {
    return {
      concurrency: this.concurrency,
      maxWaiting: this.maxWaiting,
      running: this.running,
      waiting: this.waiters.length,
      peakRunning: this.peakRunning,
      started: this.started,
      rejected: this.rejected,
      abandoned: this.abandoned,
      averageTurnMs: Math.round(this.averageTurnMs),
    };
  }

  private grantNow(): QueuePlace {
    this.startTurn();
    const startedAt = Date.now();
    let held = true;
    return {
      ready: Promise.resolve(),
      leave: () => {
        if (!held) return;
        held = false;
        this.finishTurn(startedAt);
      },
    };
  }

  private startTurn(): void {
    this.running++;
    this.started++;
    this.peakRunning = Math.max(this.peakRunning, this.running);
  }

  private finishTurn(startedAt: number): void {
    this.running--;
    const heldMs = Date.now() - startedAt;
    this.averageTurnMs = this.averageTurnMs === 0 ? heldMs : 0.8 * this.averageTurnMs + 0.2 * heldMs;
    const next = this.waiters.shift();
    if (next) {
      this.startTurn();
      next.grant();
    }
  }

  private removeWaiter(waiter: Waiter): void {
    const index = this.waiters.indexOf(waiter);
    if (index >= 0) this.waiters.splice(index, 1);
  }

  /** How long until a place is likely free: the line ahead times the average turn, at least 1 s. */
  private retryAfterSeconds(): number {
    const turnMs = this.averageTurnMs || 2_000;
    return Math.max(1, Math.ceil((turnMs * (this.waiters.length + this.running)) / this.concurrency / 1000));
  }
}
