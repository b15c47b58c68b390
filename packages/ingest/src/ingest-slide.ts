import { PathLensError, type Logger } from '@pathlens/core';
import { l2Normalise, type ImageEncoder } from '@pathlens/encoders';
import { openSlide, type RgbImage, type SlideReader } from '@pathlens/slide-reader';
import type { NewPatch, SlideRow, Store } from '@pathlens/store';
import { measureTissue } from './background-filter.ts';
import { BoundedChannel } from './bounded-channel.ts';
import { patchGrid, type GridCell } from './patch-grid.ts';
import type { PrototypeSettings } from './prototypes/slide-prototypes.ts';
import { storeSlidePrototypes } from './prototypes/summarise-slide.ts';
import { patchReadPlan, type PatchReadPlan } from './tiling/read-level.ts';
import { readPatch } from './tiling/read-patch.ts';
import type { TissueDetectionSettings } from './tissue/tissue-detection-settings.ts';
import { tissueFractionInRect, type TissueMask } from './tissue/tissue-mask.ts';
import { slideTissueMask } from './tissue/slide-tissue-mask.ts';

export interface IngestSlideOptions {
  /** Patches whose share of the tissue mask is below this (0–1) are skipped without being read. */
  minTissueFraction: number;
  /** Patches per encoder call (capped by the encoder's own maximum). */
  batchSize: number;
  /** Encoder batches the reader may run ahead. */
  readAheadBatches?: number;
  /** DATA_DIR: the tissue mask is kept under `slides/<id>/` there (and reused on resume). Without it, it is not saved. */
  dataDir?: string | undefined;
  tissueDetection?: Partial<TissueDetectionSettings> | undefined;
  prototypes?: Partial<PrototypeSettings> | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: (counts: { tilesDone: number; tilesTotal: number; patchCount: number }) => void;
}

/**
 * A patch the mask kept is still dropped when under this share of its own pixels look stained
 * (`measureTissue`): glass, bright washed-out areas and flat grey or black fill the coarse
 * mask let through at its edges.
 */
export const minStainedPixelFraction = 0.05;

interface PatchBatch {
  cells: GridCell[];
  tissueFractions: number[];
  images: RgbImage[];
  /** Grid cells examined once this batch is stored. */
  tilesDoneAfter: number;
}

/**
 * Tile a registered slide at its stored patch size (level-0 pixels, set at registration from
 * the target MPP), read each tissue patch from the best pyramid level and resize it to the
 * encoder's input, embed in batches and store; then the mean-pooled slide embedding and the
 * k-means prototypes. Cells outside the tissue mask are never read. Reading runs ahead of
 * encoding through a bounded channel. Positions already stored (an interrupted run) are not
 * read or encoded again. Ends with the slide `ready`; throws on failure (the caller marks it failed).
 */
export async function ingestSlide(dependencies: { store: Store; imageEncoder: ImageEncoder; logger: Logger }, slide: SlideRow, options: IngestSlideOptions): Promise<void> {
  const { store, imageEncoder, logger } = dependencies;
  const reader = await openSlide(slide.filePath);
  try {
    const level0 = reader.properties.levels[0]!;
    const grid = patchGrid({ widthPx: level0.widthPx, heightPx: level0.heightPx, patchSizePx: slide.patchSizeLevel0Px });
    const readPlan = patchReadPlan(reader.properties.levels, slide.patchSizeLevel0Px, imageEncoder.inputSizePx);
    const tissue = await slideTissueMask(reader, slide, { dataDir: options.dataDir, settings: options.tissueDetection });
    const stored = await store.patches.storedPositions(slide.id);
    let patchCount = stored.size;
    await store.slides.markRunning(slide.id, grid.length);
    logger.debug(`tiling ${slide.name}`, { slideId: slide.id, patchSizeLevel0Px: slide.patchSizeLevel0Px, readLevel: readPlan.level, cells: grid.length });

    const batchSize = Math.max(1, Math.min(options.batchSize, imageEncoder.maxBatchSize));
    const channel = new BoundedChannel<PatchBatch>(options.readAheadBatches ?? 2);
    const source = { reader, readPlan, mask: tissue, inputSizePx: imageEncoder.inputSizePx };
    const reading = readBatches(source, grid, stored, { ...options, batchSize }, channel).finally(() => channel.close());
    reading.catch(() => {}); // surfaced below, after the consumer stops

    let tilesDone = 0;
    const stopIfAborted = () => {
      if (options.signal?.aborted) throw new PathLensError('internal_error', 'Ingestion stopped: the server is shutting down; it resumes at the next start.');
    };
    for (let batch = await channel.receive(); batch; batch = await channel.receive()) {
      stopIfAborted();
      if (batch.images.length > 0) {
        const embeddings = await imageEncoder.embedImages(batch.images);
        const rows: NewPatch[] = batch.cells.map((cell, index) => ({
          xLevel0: cell.xLevel0,
          yLevel0: cell.yLevel0,
          sizeLevel0Px: cell.sizeLevel0Px,
          tissueFraction: batch.tissueFractions[index]!,
          embedding: Array.from(embeddings[index]!),
        }));
        await store.patches.insertBatch(slide.id, rows);
        patchCount += rows.length;
      }
      tilesDone = batch.tilesDoneAfter;
      await store.slides.updateProgress(slide.id, { tilesDone, patchCount });
      options.onProgress?.({ tilesDone, tilesTotal: grid.length, patchCount });
    }
    await reading;
    stopIfAborted(); // the reader stops early on abort: never mark a partial slide ready

    if (patchCount === 0) {
      throw new PathLensError(
        'invalid_request',
        `No tissue found: all ${grid.length} patches of ${slide.patchSizeLevel0Px} px were background (tissue fraction under ${options.minTissueFraction}). Lower MIN_TISSUE_FRACTION if this slide has faint tissue.`,
      );
    }
    const mean = await store.patches.meanEmbedding(slide.id);
    await storeSlidePrototypes(store, slide.id, options.prototypes);
    stopIfAborted();
    await store.slides.markReady(slide.id, { patchCount, embedding: mean ? Array.from(l2Normalise(Float32Array.from(mean))) : null });
  } finally {
    await reader.close();
  }
}

async function readBatches(
  source: { reader: SlideReader; readPlan: PatchReadPlan; mask: TissueMask; inputSizePx: number },
  grid: GridCell[],
  stored: Set<string>,
  options: IngestSlideOptions & { batchSize: number },
  channel: BoundedChannel<PatchBatch>,
): Promise<void> {
  let batch: PatchBatch = { cells: [], tissueFractions: [], images: [], tilesDoneAfter: 0 };
  for (let index = 0; index < grid.length; index++) {
    if (options.signal?.aborted) return;
    const cell = grid[index]!;
    const tissueFraction = tissueFractionInRect(source.mask, cell);
    if (tissueFraction >= options.minTissueFraction && !stored.has(`${cell.xLevel0},${cell.yLevel0}`)) {
      const image = await readPatch(source.reader, cell, source.readPlan, source.inputSizePx);
      if (!measureTissue(image, { minTissueFraction: minStainedPixelFraction }).isBackground) {
        batch.cells.push(cell);
        batch.tissueFractions.push(tissueFraction);
        batch.images.push(image);
      }
    }
    batch.tilesDoneAfter = index + 1;
    // Send full batches, and also every 256 cells so progress moves over long background stretches.
    if (batch.images.length >= options.batchSize || (batch.images.length === 0 && batch.tilesDoneAfter % 256 === 0)) {
      await channel.send(batch);
      batch = { cells: [], tissueFractions: [], images: [], tilesDoneAfter: batch.tilesDoneAfter };
    }
  }
  await channel.send(batch);
}
