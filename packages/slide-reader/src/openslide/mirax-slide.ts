import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** A MIRAX slide: the `.mrxs` file OpenSlide opens and the folder of the same name beside it. */
export interface MiraxSlide {
  mrxsPath: string;
  directory: string;
  /** The `.mrxs` file and every file in the folder, sorted. */
  files: string[];
}

const slidedatName = 'Slidedat.ini';

/** True when the text is a MIRAX Slidedat.ini: a `[GENERAL]` section with a `SLIDE_ID` key. */
export function isSlidedatIni(text: string): boolean {
  return /^\uFEFF?\s*\[GENERAL\]/.test(text) && /^\s*SLIDE_ID\s*=/m.test(text);
}

/**
 * Finds the MIRAX slide that `slidePath` belongs to, from contents rather than extensions alone:
 * the `.mrxs` file itself (its folder, named like it without the extension, holds a Slidedat.ini
 * with `[GENERAL]` and `SLIDE_ID`), that folder, or the Slidedat.ini. OpenSlide insists on the
 * `.mrxs` name, so a folder without one beside it is not a slide it can open (returns null).
 */
export async function findMiraxSlide(slidePath: string): Promise<MiraxSlide | null> {
  const absolute = path.resolve(slidePath);
  const candidates: Array<{ mrxsPath: string; directory: string }> = [];
  const stats = await stat(absolute).catch(() => null);
  if (!stats) return null;
  if (stats.isDirectory()) {
    candidates.push({ mrxsPath: `${absolute}.mrxs`, directory: absolute });
  } else if (path.basename(absolute) === slidedatName) {
    const directory = path.dirname(absolute);
    candidates.push({ mrxsPath: `${directory}.mrxs`, directory });
  } else {
    const extension = path.extname(absolute);
    if (extension) candidates.push({ mrxsPath: absolute, directory: absolute.slice(0, -extension.length) });
  }
  for (const candidate of candidates) {
    if (!(await isSlidedat(path.join(candidate.directory, slidedatName)))) continue;
    const mrxs = await stat(candidate.mrxsPath).catch(() => null);
    if (!mrxs?.isFile() || path.extname(candidate.mrxsPath).toLowerCase() !== '.mrxs') continue;
    const names = await readdir(candidate.directory);
    const files = [candidate.mrxsPath, ...names.map((name) => path.join(candidate.directory, name))].sort();
    return { ...candidate, files };
  }
  return null;
}

async function isSlidedat(filePath: string): Promise<boolean> {
  const handle = await open(filePath, 'r').catch(() => null);
  if (!handle) return false;
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return isSlidedatIni(head.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await handle.close();
  }
}
