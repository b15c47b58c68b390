import { EventEmitter } from 'node:events';
import type { Logger } from '@pathlens/core';
import type { ImageEncoder } from '@pathlens/encoders';
import type { Store } from '@pathlens/store';
import { ingestSlide } from './ingest-slide.ts';
import { progressOf, type IngestionProgress } from './ingestion-progress.ts';

export interface IngestionWorkerOptions {
  minTissueFraction: number;
  batchSize: number;
}

/**
 * Runs ingestion jobs one slide at a time, inside the process that owns the database.
 * The slide rows are the job records: at `start()` the worker picks up every slide left
 * `queued` or `running` (a crash), so nothing is lost across restarts; a failed slide is
 * marked `failed` with its reason and the queue moves on.
 *
 * Emits `progress` (IngestionProgress) and `finished` ({ slideId, status, reason? }).
 */
export class IngestionWorker extends EventEmitter {
  private readonly queue: string[] = [];
  private readonly live = new Map<string, IngestionProgress>();
  private readonly abortController = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    private readonly dependencies: { store: Store; imageEncoder: ImageEncoder; logger: Logger },
    private readonly options: IngestionWorkerOptions,
  ) {
    super();
  }

  /** Queue the slides an earlier process left unfinished. */
  async start(): Promise<void> {
    const unfinished = await this.dependencies.store.slides.listUnfinished();
    for (const slide of unfinished) this.enqueue(slide.id);
    if (unfinished.length > 0) this.dependencies.logger.info(`resuming ingestion of ${unfinished.length} slide(s)`);
  }

  enqueue(slideId: string): void {
    if (this.queue.includes(slideId) || this.live.has(slideId)) return;
    this.queue.push(slideId);
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  /** Live progress while a slide is being ingested by this process. */
  progress(slideId: string): IngestionProgress | undefined {
    return this.live.get(slideId);
  }

  /** Resolves when the queue is empty. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stop after the current batch; unfinished slides stay queued for the next start. */
  async stop(): Promise<void> {
    this.abortController.abort();
    this.queue.length = 0;
    await this.running?.catch(() => {});
  }

  private async drain(): Promise<void> {
    for (let slideId = this.queue.shift(); slideId; slideId = this.queue.shift()) {
      if (this.abortController.signal.aborted) return;
      await this.runOne(slideId);
    }
  }

  private async runOne(slideId: string): Promise<void> {
    const { store, logger } = this.dependencies;
    const slide = await store.slides.findById(slideId);
    if (!slide || slide.status === 'ready' || slide.status === 'failed') return;
    const run = { startedAtMs: Date.now(), tilesDoneAtStart: slide.tilesDone };
    const initial = progressOf(slideId, slide, run);
    this.live.set(slideId, initial);
    logger.info(`ingesting ${slide.name}`, { slideId });
    try {
      await ingestSlide(this.dependencies, slide, {
        ...this.options,
        signal: this.abortController.signal,
        onProgress: (counts) => {
          const progress = progressOf(slideId, counts, run);
          this.live.set(slideId, progress);
          this.emit('progress', progress);
        },
      });
      logger.info(`ingested ${slide.name}`, { slideId, seconds: (Date.now() - run.startedAtMs) / 1000 });
      this.emit('finished', { slideId, status: 'ready' });
    } catch (error) {
      if (this.abortController.signal.aborted) return; // stays `running`; resumed at next start
      const reason = error instanceof Error ? error.message : String(error);
      logger.warn(`ingestion failed: ${reason}`, { slideId });
      await store.slides.markFailed(slideId, reason);
      this.emit('finished', { slideId, status: 'failed', reason });
    } finally {
      this.live.delete(slideId);
    }
  }
}
