import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import { PathLensError } from '@pathlens/core';

/**
 * PGlite has no lock across processes: a second process opening the same directory
 * silently loses the first one's later commits. One process owns DATA_DIR; the lock goes
 * stale seconds after its owner dies (even by `kill -9`), so a restart can take over.
 */
export async function lockDataDirectory(directory: string): Promise<() => Promise<void>> {
  await mkdir(directory, { recursive: true });
  const lockfilePath = path.join(directory, 'pathlens.lock');
  try {
    return await lockfile.lock(directory, {
      lockfilePath,
      // The owner touches the lock every second; four seconds untouched means it died. The
      // retries outlast that, so a restart right after a crash takes over instead of failing.
      stale: 4_000,
      update: 1_000,
      retries: { retries: 5, factor: 1, minTimeout: 1_000, maxTimeout: 1_000 },
      onCompromised: (error) => process.stderr.write(`warning: lost the data directory lock ${lockfilePath}: ${error.message}\n`),
    });
  } catch (error) {
    throw new PathLensError(
      'database_locked',
      `Another PathLens process owns the embedded database in ${directory}. Stop it, talk to it over HTTP (pathlens … --server http://HOST:PORT), use another DATA_DIR, or set DATABASE_URL to share a PostgreSQL server.`,
      { directory },
      { cause: error },
    );
  }
}
