import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Remove what uploads cut off by a crash (kill -9, power loss) left in the uploads folder: the
 * `.incoming-*` temporary files, once older than `olderThanMs` (so an upload that another server
 * sharing the folder is still receiving is never touched). Returns how many went.
 */
export async function removeAbandonedUploads(
  uploadsDirectory: string,
  options: { olderThanMs: number; nowMs?: number },
): Promise<number> {
  const names = await readdir(uploadsDirectory).catch(() => [] as string[]);
  const cutoffMs = (options.nowMs ?? Date.now()) - options.olderThanMs;
  let removed = 0;
  for (const name of names.filter((candidate) => candidate.startsWith('.incoming-'))) {
    const filePath = path.join(uploadsDirectory, name);
    const modifiedMs = (await stat(filePath).catch(() => null))?.mtimeMs;
    if (modifiedMs === undefined || modifiedMs > cutoffMs) continue;
    await rm(filePath, { force: true });
    removed++;
  }
  return removed;
}
