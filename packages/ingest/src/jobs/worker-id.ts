import { randomBytes } from 'node:crypto';
import os from 'node:os';

/**
 * A name for one worker loop, unique across machines and restarts, that an operator can
 * read back to a process: `host/pid/random`. Stored in `slides.worker_id` while it holds a job.
 */
export function createWorkerId(): string {
  return `${os.hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
}
