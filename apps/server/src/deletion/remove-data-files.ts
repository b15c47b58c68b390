import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Remove a file or folder that PathLens keeps under `dataDir`, returning how many files went.
 * A path outside `dataDir` (a slide ingested in place from SLIDE_DIRS) is never touched: it is the user's.
 */
export async function removeDataFiles(dataDir: string, target: string): Promise<number> {
  const root = path.resolve(dataDir);
  const resolved = path.resolve(target);
  if (!resolved.startsWith(root + path.sep)) return 0;
  const found = await stat(resolved).catch(() => null);
  if (!found) return 0;
  const files = found.isDirectory()
    ? (await readdir(resolved, { recursive: true, withFileTypes: true })).filter((entry) => !entry.isDirectory()).length
    : 1;
  await rm(resolved, { recursive: true, force: true });
  return files;
}
