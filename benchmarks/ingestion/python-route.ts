import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';

/** Why the openslide-python route cannot run here, with how to fix it; null when it can. */
export async function checkPython(): Promise<string | null> {
  try {
    await promisify(execFile)('/usr/bin/python3', ['-c', 'import openslide, numpy, PIL']);
    return null;
  } catch {
    return 'needs /usr/bin/python3 with openslide and numpy: apt-get install -y python3-openslide python3-numpy libopenslide0';
  }
}

/** Read a file once so every route reads it from the page cache, not from whichever disk state the last one left. */
export async function warmPageCache(filePath: string): Promise<void> {
  for await (const _chunk of createReadStream(filePath, { highWaterMark: 8 << 20 }));
}

/** The 1-, 5- and 15-minute load averages, for the printout next to every measured number. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
}
