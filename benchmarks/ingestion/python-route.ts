import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { defaultTissueThresholds, minStainedPixelFraction } from '@pathlens/ingest';
import { benchmarkCacheDir } from './synthetic-slide.ts';

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

/** What `openslide_tiling.py` prints for one run. */
export interface OpenSlideTilingResult {
  cells: number;
  kept: number;
  /** Wall time, the process's own clock (interpreter start-up not counted). */
  seconds: number;
  /** CPU time of the process, all its threads. */
  cpuSeconds: number;
  openslide: string;
  openslide_python: string;
}

/**
 * One `openslide_tiling.py` process over `cells` (level-0 positions), reading `sizeAtLevelPx` squares at `level`
 * and doing PathLens's per-patch work: resize to `inputSizePx`, the stained-pixel check with PathLens's thresholds,
 * CLIP normalisation.
 */
export async function runOpenSlideTiling(spec: {
  slide: string;
  level: number;
  sizeAtLevelPx: number;
  inputSizePx: number;
  cells: { xLevel0: number; yLevel0: number }[];
}): Promise<OpenSlideTilingResult> {
  const specPath = path.join(benchmarkCacheDir, `openslide-tiling-spec-${process.pid}-${randomUUID()}.json`);
  await writeFile(
    specPath,
    JSON.stringify({
      ...spec,
      cells: spec.cells.map((cell) => [cell.xLevel0, cell.yLevel0]),
      mean: [0.48145466, 0.4578275, 0.40821073],
      std: [0.26862954, 0.26130258, 0.27577711],
      minSaturation: defaultTissueThresholds.minSaturation,
      maxBrightness: defaultTissueThresholds.maxBrightness,
      minStainedFraction: minStainedPixelFraction,
    }),
  );
  try {
    const { stdout } = await promisify(execFile)(
      '/usr/bin/python3',
      [path.join(import.meta.dirname, 'openslide_tiling.py'), specPath],
      { maxBuffer: 1 << 20 },
    );
    return JSON.parse(stdout) as OpenSlideTilingResult;
  } finally {
    await rm(specPath, { force: true });
  }
}
