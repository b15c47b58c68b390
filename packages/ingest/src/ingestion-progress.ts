/** Progress of one slide's ingestion, as the API and the CLI show it. */
export interface IngestionProgress {
  slideId: string;
  /** Grid cells examined (tissue and background) / in all. */
  tilesDone: number;
  tilesTotal: number;
  /** Tissue patches stored. */
  patchCount: number;
  /** Grid cells a second, over this run. */
  tilesPerSecond: number | null;
  /** Seconds left at the current rate. */
  etaSeconds: number | null;
}

export function progressOf(
  slideId: string,
  counts: { tilesDone: number; tilesTotal: number; patchCount: number },
  run: { startedAtMs: number; tilesDoneAtStart: number },
  nowMs = Date.now(),
): IngestionProgress {
  const elapsedSeconds = (nowMs - run.startedAtMs) / 1000;
  const tilesThisRun = counts.tilesDone - run.tilesDoneAtStart;
  const tilesPerSecond = elapsedSeconds > 0.5 && tilesThisRun > 0 ? tilesThisRun / elapsedSeconds : null;
  const etaSeconds = tilesPerSecond ? Math.max(0, (counts.tilesTotal - counts.tilesDone) / tilesPerSecond) : null;
  return { slideId, ...counts, tilesPerSecond, etaSeconds };
}
