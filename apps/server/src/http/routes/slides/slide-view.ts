import { progressFromSlide, type IngestionProgress } from '@pathlens/ingest';
import type { SlideRow } from '@pathlens/store';

/**
 * A slide as the API shows it (snake_case, as OpenAI-style APIs are). Progress comes from the
 * row, so it is right whichever worker process ingests the slide; `live` (this process's own
 * worker) may be a moment fresher.
 */
export function slideView(slide: SlideRow, live?: IngestionProgress) {
  const progress = live ?? progressFromSlide(slide);
  const tilesDone = progress.tilesDone;
  const tilesTotal = progress.tilesTotal;
  return {
    id: slide.id,
    object: 'slide',
    name: slide.name,
    status: slide.status,
    failure_reason: slide.failureReason,
    source: slide.source,
    series_instance_uid: slide.seriesInstanceUid,
    format: slide.format,
    vendor: slide.vendor,
    width_px: slide.widthPx,
    height_px: slide.heightPx,
    mpp_x: slide.mppX,
    mpp_y: slide.mppY,
    objective_power: slide.objectivePower,
    patch_size_level0_px: slide.patchSizeLevel0Px,
    target_mpp: slide.targetMpp,
    /** Where the MPP came from; `user` for one a person gave (older rows said `request`). */
    mpp_source: slide.mppSource === 'request' ? 'user' : slide.mppSource,
    warnings: slide.warnings,
    metadata: slide.metadata,
    patch_count: progress.patchCount,
    encoder: slide.encoderId,
    progress: {
      tiles_done: tilesDone,
      tiles_total: tilesTotal,
      fraction: tilesTotal > 0 ? tilesDone / tilesTotal : slide.status === 'ready' ? 1 : 0,
      tiles_per_second: progress.tilesPerSecond,
      eta_seconds: progress.etaSeconds,
      attempts: slide.attempts,
      worker_id: slide.workerId,
    },
    content_sha256: slide.contentSha256,
    created_at: slide.createdAt.toISOString(),
    finished_at: slide.finishedAt?.toISOString() ?? null,
  };
}
