import { rm } from 'node:fs/promises';
import { PathLensError } from '@pathlens/core';
import type { SlideRow, Store } from '@pathlens/store';
import { openSlide } from '@pathlens/slide-reader';
import { slideTilingColumns } from './register-slide.ts';
import { isUserMpp, tilingResolution } from './tiling/tiling-resolution.ts';
import { tissueGeoJsonPath, tissueMaskPath } from './tissue/tissue-mask-files.ts';

export interface ReingestOptions {
  /** µm per level-0 pixel to use from now on (`mppSource: 'user'`); default: the one given before, else the file's. */
  mpp?: number | undefined;
  /** µm per pixel to tile at; default: the slide's previous target, else `defaultTargetMpp`. */
  targetMpp?: number | undefined;
  /** Tile at level 0 without a physical scale; default: as before. */
  tileAtLevel0?: boolean | undefined;
  /** Side of the encoder's square input, px. */
  inputSizePx: number;
  /** TARGET_MPP. */
  defaultTargetMpp: number;
  /** DATA_DIR: the slide's stored tissue mask is removed from there. */
  dataDir: string;
  /** MAX_UPSAMPLE_FACTOR. */
  maxUpsampleFactor?: number | undefined;
}

/**
 * Ingest a `failed` or `ready` slide again, from a clean state: with the new options (or the
 * ones it had), its tiling is decided anew, its patches, prototypes, tissue mask, progress and
 * failure reason are removed, and it is `queued`. A slide still being ingested is refused
 * (`slide_not_ready`, 409); one whose file is gone or has no MPP is refused as registration
 * would be, and nothing is changed.
 *
 * @example
 * const slide = await reingestSlide(store, slideId, { mpp: 0.25, inputSizePx: 224, defaultTargetMpp: 0.5, dataDir });
 */
export async function reingestSlide(store: Store, slideId: string, options: ReingestOptions): Promise<SlideRow> {
  const slide = await store.slides.findById(slideId);
  if (!slide)
    throw new PathLensError('slide_not_found', `No slide with id ${slideId}. List slides with GET /v1/slides.`, {
      slideId,
    });
  if (slide.status !== 'failed' && slide.status !== 'ready') {
    throw new PathLensError(
      'slide_not_ready',
      `Slide ${slide.id} is ${slide.status}: wait until it is ready or failed, then re-ingest it.`,
      { slideId, status: slide.status },
    );
  }
  const reader = await openSlide(slide.filePath);
  let columns: ReturnType<typeof slideTilingColumns>;
  try {
    const previousMpp = isUserMpp(slide.mppSource) && slide.mppX !== null ? slide.mppX : undefined;
    const previouslyLevel0 =
      slide.targetMpp === null || (slide.patchSizeLevel0Px === options.inputSizePx && slide.mppX === slide.targetMpp);
    const tiling = tilingResolution({
      inputSizePx: options.inputSizePx,
      targetMpp: options.targetMpp ?? slide.targetMpp ?? options.defaultTargetMpp,
      fileMpp: {
        x: reader.properties.mppX,
        y: reader.properties.mppY,
        provenance: reader.properties.mppProvenance,
        objectivePower: reader.properties.objectivePower,
      },
      maxUpsampleFactor: options.maxUpsampleFactor,
      requestMpp: options.mpp ?? previousMpp,
      tileAtLevel0:
        options.tileAtLevel0 ?? (options.mpp === undefined && options.targetMpp === undefined && previouslyLevel0),
      slideName: slide.name,
    });
    columns = slideTilingColumns(tiling, reader.properties);
  } finally {
    await reader.close();
  }
  const changed = await store.slides.requeueRetiled(slide.id, { ...columns, metadata: slide.metadata });
  if (!changed)
    throw new PathLensError(
      'slide_not_ready',
      `Slide ${slide.id} started ingesting again meanwhile; wait until it is ready or failed.`,
      { slideId },
    );
  await rm(tissueMaskPath(options.dataDir, slide.id), { force: true });
  await rm(tissueGeoJsonPath(options.dataDir, slide.id), { force: true });
  return (await store.slides.findById(slide.id))!;
}
