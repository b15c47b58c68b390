import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Project root (this file lives in tests/helpers/). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** `../shared/data` beside the project root: real public test files, absent on a user's fresh clone. */
export const sharedDataDir = path.resolve(projectRoot, '../shared/data');

/**
 * Absolute path of a shared data file, or `undefined` (after printing why) when it is absent.
 * Use with `describe.skipIf(!file)` so the skip is visible in the test output.
 */
export function sharedDataFile(relativePath: string): string | undefined {
  const file = path.join(sharedDataDir, relativePath);
  if (existsSync(file)) return file;
  console.warn(`[skip] ${relativePath} not found under ${sharedDataDir}; tests that need it are skipped.`);
  return undefined;
}
