import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { RejectedRow } from '../import/row-rejection.ts';
import type { PairImportJob } from './pair-import-job.ts';

/**
 * Import jobs on disk, under `DATA_DIR/pair-imports/<id>/`: `job.json` (the job),
 * `rejected.jsonl` (one rejected row a line) and `upload/` (an uploaded file, while the job
 * runs). Writes are atomic (temporary file, then rename): a crash leaves the last good state.
 */
export class PairImportFolder {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'pair-imports');
  }

  jobDirectory(id: string): string {
    return path.join(this.root, id);
  }

  uploadDirectory(id: string): string {
    return path.join(this.jobDirectory(id), 'upload');
  }

  rejectedReportPath(id: string): string {
    return path.join(this.jobDirectory(id), 'rejected.jsonl');
  }

  async write(job: PairImportJob): Promise<void> {
    const file = path.join(this.jobDirectory(job.id), 'job.json');
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.${randomUUID()}.tmp`;
    await writeFile(temporary, JSON.stringify(job, null, 2));
    await rename(temporary, file);
  }

  async read(id: string): Promise<PairImportJob | undefined> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
    const text = await readFile(path.join(this.jobDirectory(id), 'job.json'), 'utf8').catch(() => null);
    return text === null ? undefined : (JSON.parse(text) as PairImportJob);
  }

  /** Every job, newest first. */
  async list(): Promise<PairImportJob[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const jobs = await Promise.all(names.map((name) => this.read(name)));
    return jobs
      .filter((job): job is PairImportJob => job !== undefined)
      .sort((first, second) => second.createdAt.localeCompare(first.createdAt));
  }

  async appendRejected(id: string, rows: RejectedRow[]): Promise<void> {
    if (rows.length === 0) return;
    await appendFile(this.rejectedReportPath(id), rows.map((row) => JSON.stringify(row) + '\n').join(''));
  }

  /** Drop report lines past the checkpoint (written by a run that stopped before its batch was stored). */
  async truncateRejected(id: string, checkpointRow: number): Promise<void> {
    const report = this.rejectedReportPath(id);
    if (!(await stat(report).catch(() => null))) return;
    const temporary = `${report}.${randomUUID()}.tmp`;
    const output = createWriteStream(temporary);
    for await (const line of createInterface({ input: createReadStream(report), crlfDelay: Infinity })) {
      if (line.trim() === '') continue;
      const row = (JSON.parse(line) as RejectedRow).row;
      if (row <= checkpointRow && !output.write(line + '\n'))
        await new Promise<void>((resolve) => output.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) =>
      output.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    await rename(temporary, report);
  }

  /** The first `limit` rejected rows. */
  async rejectedSample(id: string, limit: number): Promise<RejectedRow[]> {
    const report = this.rejectedReportPath(id);
    if (!(await stat(report).catch(() => null))) return [];
    const rows: RejectedRow[] = [];
    const lines = createInterface({ input: createReadStream(report), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      rows.push(JSON.parse(line) as RejectedRow);
      if (rows.length >= limit) break;
    }
    lines.close();
    return rows;
  }

  async removeUpload(id: string): Promise<void> {
    await rm(this.uploadDirectory(id), { recursive: true, force: true });
  }

  async remove(id: string): Promise<void> {
    await rm(this.jobDirectory(id), { recursive: true, force: true });
  }
}
