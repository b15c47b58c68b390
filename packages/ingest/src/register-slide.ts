import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import type { NewSlideRow, SlideRow, Store } from '@pathlens/store';
import { openSlide, type SlideProperties } from '@pathlens/slide-reader';
import { fileSha256 } from './file-sha256.ts';
import { isUserMpp, tilingResolution, type TilingResolution } from './tiling/tiling-resolution.ts';
import { tissueGeoJsonPath, tissueMaskPath } from './tissue/tissue-mask-files.ts';

export interface RegisteredSlide {
  slide: SlideRow;
  /** False when the same file (by content hash) was already there: nothing new is queued. */
  created: boolean;
}

/** What every registration takes, whatever the slide's source. */
export interface SlideRegistrationSettings {
  name?: string | undefined;
  encoderId: string;
  /** Side of the encoder's square input, px: a patch covers `inputSizePx × targetMpp` µm. */
  inputSizePx: number;
  /** µm per pixel to tile at (TARGET_MPP, default 0.5). */
  targetMpp: number;
  /** µm per level-0 pixel, given by the user: wins over the file's (`mppSource: 'request'`). */
  mpp?: number | undefined;
  /** Tile at level 0 with patches of `inputSizePx`, whatever the MPP (the way to ingest a file without one). */
  tileAtLevel0?: boolean | undefined;
  /** Patches upsampled more than this from the source are warned about (MAX_UPSAMPLE_FACTOR). */
  maxUpsampleFactor?: number | undefined;
  /** Organ, stain and other facts about the slide (free key → value). */
  metadata?: Record<string, string> | undefined;
}

export interface RegisterSlideOptions extends SlideRegistrationSettings {
  filePath: string;
  /** Ingest again a file already ingested (re-tiled when the resolution changed). */
  force?: boolean | undefined;
  /** When the caller already hashed the bytes (an upload). */
  contentSha256?: string | undefined;
  /** DATA_DIR: a re-tiled slide's stored tissue mask is removed from there. */
  dataDir?: string | undefined;
}

/**
 * Check that a file opens as a slide, decide its tiling (patch size in level-0 pixels for the
 * target MPP) and record it as `queued`. An unreadable file, or one without MPP when no `mpp`
 * is given and `tileAtLevel0` is off (`missing_mpp`, saying how to give one), fails here,
 * before any row exists. Registering the same bytes again returns the existing slide; `force`
 * (or a slide that failed) requeues it (stored patches are reused, unless the tiling changed: then it is tiled anew).
 *
 * @example
 * const { slide } = await registerSlide(store, { filePath, encoderId: encoder.modelId, inputSizePx: 224, targetMpp: 0.5
 * });
 */
export async function registerSlide(store: Store, options: RegisterSlideOptions): Promise<RegisteredSlide> {
  // Open first: a file that is not a slide is refused before gigabytes are hashed.
  const reader = await openSlide(options.filePath);
  try {
    const { properties } = reader;
    const name = options.name ?? path.basename(options.filePath);
    // A file without MPP is refused, unless it is one already ingested (with an MPP given then).
    let tiling: TilingResolution | null = null;
    let refusal: unknown = null;
    try {
      tiling = slideTiling(properties, options, name);
    } catch (error) {
      if (!PathLensError.is(error, 'missing_mpp') && !PathLensError.is(error, 'implausible_mpp')) throw error;
      refusal = error;
    }
    const contentSha256 = options.contentSha256 ?? (await slideContentSha256(options.filePath, properties.files));
    const existing = await store.slides.findByContentSha256(contentSha256);
    if (existing) return await registerAgain(store, existing, tiling, options, properties);
    if (!tiling) throw refusal;
    const slide = await store.slides.create(
      newSlideRow(properties, tiling, options, { name, filePath: options.filePath, contentSha256 }),
    );
    return { slide, created: true };
  } finally {
    await reader.close();
  }
}

/** The same content again: nothing, or with `force` a requeue, re-tiled when the new request changes the tiling. */
async function registerAgain(
  store: Store,
  existing: SlideRow,
  tiling: TilingResolution | null,
  options: RegisterSlideOptions,
  fileMpp: { mppX: number | null; mppY: number | null },
): Promise<RegisteredSlide> {
  // A failed slide sent again is tried again (with this request's options): what else could the sender want?
  const again = options.force || existing.status === 'failed';
  if (!again || (existing.status !== 'failed' && existing.status !== 'ready'))
    return { slide: existing, created: false };
  if (!tiling) {
    // No MPP in the file nor in this request: keep the resolution it was given before.
    await store.slides.requeue(existing.id);
    return { slide: (await store.slides.findById(existing.id))!, created: true };
  }
  const columns = slideTilingColumns(tiling, fileMpp);
  const retile =
    columns.patchSizeLevel0Px !== existing.patchSizeLevel0Px ||
    columns.targetMpp !== existing.targetMpp ||
    columns.mppSource !== existing.mppSource;
  if (retile) {
    await store.slides.requeueRetiled(existing.id, {
      ...columns,
      metadata: { ...existing.metadata, ...options.metadata },
    });
    if (options.dataDir) {
      await rm(tissueMaskPath(options.dataDir, existing.id), { force: true });
      await rm(tissueGeoJsonPath(options.dataDir, existing.id), { force: true });
    }
  } else {
    await store.slides.requeue(existing.id);
  }
  return { slide: (await store.slides.findById(existing.id))!, created: true };
}

/** Patch size for the target MPP from the slide's MPP, or the one requested; `missing_mpp` when there is none. */
export function slideTiling(
  properties: SlideProperties,
  settings: SlideRegistrationSettings,
  slideName: string,
): TilingResolution {
  return tilingResolution({
    inputSizePx: settings.inputSizePx,
    targetMpp: settings.targetMpp,
    fileMpp: {
      x: properties.mppX,
      y: properties.mppY,
      provenance: properties.mppProvenance,
      objectivePower: properties.objectivePower,
    },
    maxUpsampleFactor: settings.maxUpsampleFactor,
    requestMpp: settings.mpp,
    tileAtLevel0: settings.tileAtLevel0,
    slideName,
  });
}

/** A new slide row: what the reader found, the tiling, and the request's facts. */
export function newSlideRow(
  properties: SlideProperties,
  tiling: TilingResolution,
  settings: SlideRegistrationSettings,
  identity: Pick<NewSlideRow, 'name' | 'filePath' | 'contentSha256'> &
    Partial<Pick<NewSlideRow, 'source' | 'seriesInstanceUid'>>,
): NewSlideRow {
  const level0 = properties.levels[0]!;
  return {
    ...identity,
    format: properties.format,
    vendor: properties.vendor,
    widthPx: level0.widthPx,
    heightPx: level0.heightPx,
    ...slideTilingColumns(tiling, properties),
    objectivePower: properties.objectivePower,
    metadata: settings.metadata ?? {},
    encoderId: settings.encoderId,
  };
}

/** The slide columns a tiling decides. A requested MPP replaces the file's in `mppX`/`mppY`. */
export function slideTilingColumns(tiling: TilingResolution, fileMpp: { mppX: number | null; mppY: number | null }) {
  return {
    patchSizeLevel0Px: tiling.patchSizeLevel0Px,
    targetMpp: tiling.targetMpp,
    mppSource: tiling.mppSource,
    mppX: isUserMpp(tiling.mppSource) || tiling.mppLevel0 === null ? tiling.mppLevel0 : fileMpp.mppX,
    mppY: isUserMpp(tiling.mppSource) || tiling.mppLevel0 === null ? tiling.mppLevel0 : fileMpp.mppY,
    warnings: tiling.warnings,
  };
}

/**
 * sha256 identifying a slide's content: of the file's bytes for a one-file slide; for a slide
 * made of several files (a DICOM series, MIRAX), of the list of its files' names and hashes.
 */
async function slideContentSha256(filePath: string, files: string[] | undefined): Promise<string> {
  if (!files || files.length <= 1) return fileSha256(files?.[0] ?? filePath);
  const hash = createHash('sha256');
  for (const file of [...files].sort()) hash.update(`${path.basename(file)} ${await fileSha256(file)}\n`);
  return hash.digest('hex');
}
