import type { SlideRow } from '@pathlens/store';
import type { IngestionProgress } from '../ingestion-progress.ts';

/**
 * Progress of a slide from its row alone, so it is right whichever process does the work:
 * the rate is the tiles this attempt examined (`tiles_done − attempt_start_tiles_done`) over
 * the time from the attempt's claim to the last progress write (`updated_at`); the ETA is
 * what is left at that rate, less the time since that write.
 *
 * @example
 * const { tilesPerSecond, etaSeconds } = progressFromSlide(await store.slides.findById(id));
 */
export function progressFromSlide(slide: SlideRow, nowMs = Date.now()): IngestionProgress {
  const counts = { tilesDone: slide.tilesDone, tilesTotal: slide.tilesTotal, patchCount: slide.patchCount };
  const none = { slideId: slide.id, ...counts, tilesPerSecond: null, etaSeconds: null };
  if (slide.status !== 'running' || !slide.attemptStartedAt) return none;
  const elapsedSeconds = (slide.updatedAt.getTime() - slide.attemptStartedAt.getTime()) / 1000;
  const tilesThisAttempt = slide.tilesDone - slide.attemptStartTilesDone;
  if (elapsedSeconds < 0.5 || tilesThisAttempt <= 0) return none;
  const tilesPerSecond = tilesThisAttempt / elapsedSeconds;
  const sinceLastWriteSeconds = Math.max(0, (nowMs - slide.updatedAt.getTime()) / 1000);
  const etaSeconds = Math.max(0, (slide.tilesTotal - slide.tilesDone) / tilesPerSecond - sinceLastWriteSeconds);
  return { ...none, tilesPerSecond, etaSeconds };
}
