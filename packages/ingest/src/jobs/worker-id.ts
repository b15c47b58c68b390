import { randomBytes } from 'node:crypto';
import os from 'node:os';

/**
 * A name for one worker loop, unique across machines and restarts, that an operator can
 * read back to a process: `host/pid/random`, or `host/pid/server-random` for a loop inside a
 * server (whose crash takes down other work too, see `forgiveProcessCrashes`). Stored in
 * `slides.worker_id` while it holds a job.
 */
export function createWorkerId(kind: 'server' | 'worker' = 'worker'): string {
  const random = randomBytes(3).toString('hex');
  return `${os.hostname()}/${process.pid}/${kind === 'server' ? `server-${random}` : random}`;
}
