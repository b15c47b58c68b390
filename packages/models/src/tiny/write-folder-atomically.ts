import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const leftoverAgeMs = 10 * 60 * 1000;

/**
 * Writes `files` (paths relative to the folder) as `folder`, so that `folder` is either
 * absent, the previous complete version, or the new complete version — never half-written.
 *
 * Files go into a hidden sibling `.<name>.partial-*` which is renamed into place; an existing
 * folder is first renamed aside and deleted afterwards. If another process puts a folder in
 * place first, its result is kept and ours is discarded.
 */
export async function writeFolderAtomically(
  folder: string,
  files: ReadonlyMap<string, Uint8Array | string>,
): Promise<void> {
  const parent = path.dirname(folder);
  const name = path.basename(folder);
  await fs.mkdir(parent, { recursive: true });
  await removeLeftovers(parent, name);

  const uniqueSuffix = `${process.pid}-${randomUUID().slice(0, 8)}`;
  const partialFolder = path.join(parent, `.${name}.partial-${uniqueSuffix}`);
  const previousFolder = path.join(parent, `.${name}.old-${uniqueSuffix}`);
  try {
    for (const [relativePath, contents] of files) {
      const target = path.join(partialFolder, relativePath);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, contents);
    }
    const hadPrevious = await renameIfPresent(folder, previousFolder);
    try {
      await fs.rename(partialFolder, folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      // Another writer finished first: keep theirs.
    }
    if (hadPrevious) await fs.rm(previousFolder, { recursive: true, force: true });
  } finally {
    await fs.rm(partialFolder, { recursive: true, force: true });
  }
}

async function renameIfPresent(from: string, to: string): Promise<boolean> {
  try {
    await fs.rename(from, to);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Removes `.<name>.partial-*` / `.old-*` folders left by a crash (older than ten minutes, so a live writer is safe).
 *
 */
async function removeLeftovers(parent: string, name: string): Promise<void> {
  const prefixes = [`.${name}.partial-`, `.${name}.old-`];
  for (const entry of await fs.readdir(parent)) {
    if (!prefixes.some((prefix) => entry.startsWith(prefix))) continue;
    const leftover = path.join(parent, entry);
    const stats = await fs.stat(leftover).catch(() => undefined);
    if (stats && Date.now() - stats.mtimeMs > leftoverAgeMs) await fs.rm(leftover, { recursive: true, force: true });
  }
}
