import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Logger } from '@pathlens/core';
import { addImportCounts, emptyImportCounts } from '../import/import-counts.ts';
import { importPairs, type ImportPairsDependencies } from '../import/import-pairs.ts';
import { addPhiCounts, emptyPhiCounts } from '../phi/scrub-phi.ts';
import type { PairImportJob, PairImportRequest } from './pair-import-job.ts';
import { PairImportFolder } from './pair-import-folder.ts';

export interface PairImportWorkerOptions {
  /** DATA_DIR: jobs under `pair-imports/`, images under `pairs/`. */
  dataDir: string;
  /** Rows per encoder batch. */
  batchSize: number;
}

/**
 * Runs library imports in the background, one at a time, inside the process that owns the
 * database. Jobs live in DATA_DIR (see `PairImportFolder`): at `start()` the worker resumes
 * every job left `queued` or `running` from its checkpoint, so a restart loses nothing; a job
 * that cannot go on (unreadable input, no caption field) is marked `failed` with its reason.
 *
 * Emits `progress` (PairImportJob, after each stored batch) and `finished` (PairImportJob).
 *
 * @example
 * const worker = new PairImportWorker({ store, imageEncoder, textEncoder, phiScrubber, logger }, { dataDir, batchSize:
 * 32 });
 * await worker.start();
 * const job = await worker.submit(async () => ({ target: '/slides/quilt.csv', format: null, imagesDir: null, textOnly:
 * false, source: null, allowedRoots: ['/slides'], uploaded: false, displayName: 'quilt.csv' }));
 */
export class PairImportWorker extends EventEmitter {
  readonly folder: PairImportFolder;
  private readonly queue: string[] = [];
  private readonly live = new Map<string, PairImportJob>();
  private readonly abortController = new AbortController();
  private running: Promise<void> | null = null;

  constructor(
    private readonly dependencies: ImportPairsDependencies & { logger: Logger },
    private readonly options: PairImportWorkerOptions,
  ) {
    super();
    this.folder = new PairImportFolder(options.dataDir);
  }

  /** Queue the jobs an earlier process left unfinished. */
  async start(): Promise<void> {
    const unfinished = (await this.folder.list())
      .filter((job) => job.status === 'queued' || job.status === 'running')
      .reverse();
    for (const job of unfinished) this.enqueue(job.id);
    if (unfinished.length > 0) this.dependencies.logger.info(`resuming ${unfinished.length} library import(s)`);
  }

  /**
   * Create a job and queue it. `describe` gets the job's id and upload folder (an upload is
   * saved there) and returns the request; if it throws, nothing is left behind.
   */
  async submit(
    describe: (job: { id: string; uploadDirectory: string }) => Promise<PairImportRequest>,
  ): Promise<PairImportJob> {
    const id = randomUUID();
    let request: PairImportRequest;
    try {
      request = await describe({ id, uploadDirectory: this.folder.uploadDirectory(id) });
    } catch (error) {
      await this.folder.remove(id);
      throw error;
    }
    const job: PairImportJob = {
      id,
      status: 'queued',
      request,
      plan: null,
      counts: emptyImportCounts(),
      rejectedByCode: {},
      phiReplacements: emptyPhiCounts(),
      checkpointRow: 0,
      position: null,
      runSeconds: 0,
      failureReason: null,
      createdAt: new Date().toISOString(),
      startedAt: null,
      finishedAt: null,
    };
    await this.folder.write(job);
    this.enqueue(id);
    return job;
  }

  /** The job as it stands (live while it runs in this process). */
  async get(id: string): Promise<PairImportJob | undefined> {
    return this.live.get(id) ?? (await this.folder.read(id));
  }

  async list(): Promise<PairImportJob[]> {
    return (await this.folder.list()).map((job) => this.live.get(job.id) ?? job);
  }

  /** Resolves when the queue is empty. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stop after the current batch; the job stays `running` and resumes at the next start. */
  async stop(): Promise<void> {
    this.abortController.abort();
    this.queue.length = 0;
    await this.running?.catch(() => {});
  }

  private enqueue(id: string): void {
    if (this.queue.includes(id) || this.live.has(id)) return;
    this.queue.push(id);
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id; id = this.queue.shift()) {
      if (this.abortController.signal.aborted) return;
      await this.runOne(id);
    }
  }

  private async runOne(id: string): Promise<void> {
    const { folder } = this;
    const { logger } = this.dependencies;
    const stored = await folder.read(id);
    if (!stored || stored.status === 'finished' || stored.status === 'failed') return;
    if (stored.status === 'running') await folder.truncateRejected(id, stored.checkpointRow);
    let job: PairImportJob = { ...stored, status: 'running', startedAt: stored.startedAt ?? new Date().toISOString() };
    const runStartedMs = Date.now();
    const secondsBefore = job.runSeconds;
    const save = async (next: PairImportJob) => {
      job = next;
      this.live.set(id, job);
      await folder.write(job);
    };
    await save(job);
    logger.info(`importing pairs from ${job.request.displayName}`, { importId: id });
    try {
      const { request } = job;
      await importPairs(this.dependencies, {
        target: request.target,
        displayName: request.displayName,
        format: request.format ?? undefined,
        imagesDir: request.imagesDir ?? undefined,
        textOnly: request.textOnly,
        source: request.source,
        allowedRoots: request.allowedRoots,
        dataDir: this.options.dataDir,
        batchSize: this.options.batchSize,
        resumeAfterRow: job.checkpointRow,
        signal: this.abortController.signal,
        onStart: (plan) => save({ ...job, plan }),
        onBatch: async (batch) => {
          await folder.appendRejected(id, batch.rejected);
          const rejectedByCode = { ...job.rejectedByCode };
          for (const row of batch.rejected) rejectedByCode[row.code] = (rejectedByCode[row.code] ?? 0) + 1;
          await save({
            ...job,
            counts: addImportCounts({ ...job.counts }, batch.counts),
            rejectedByCode,
            phiReplacements: addPhiCounts({ ...job.phiReplacements }, batch.phiCounts),
            checkpointRow: batch.lastRow,
            position: batch.position,
            runSeconds: secondsBefore + (Date.now() - runStartedMs) / 1000,
          });
          this.emit('progress', job);
        },
      });
      await save({
        ...job,
        status: 'finished',
        finishedAt: new Date().toISOString(),
        runSeconds: secondsBefore + (Date.now() - runStartedMs) / 1000,
      });
      logger.info(`imported pairs from ${job.request.displayName}`, { importId: id, ...job.counts });
    } catch (error) {
      if (this.abortController.signal.aborted) {
        this.live.delete(id);
        return; // stays `running`; resumed at the next start
      }
      const reason = error instanceof Error ? error.message : String(error);
      logger.warn(`library import failed: ${reason}`, { importId: id });
      await save({ ...job, status: 'failed', failureReason: reason, finishedAt: new Date().toISOString() });
    }
    if (job.request.uploaded) await folder.removeUpload(id);
    this.live.delete(id);
    this.emit('finished', job);
  }
}
