import { PathLensError, type Logger } from '@pathlens/core';
import { l2Normalise, type ImageEncoder } from '@pathlens/encoders';
import { openSlide, type RgbImage, type SlideReader } from '@pathlens/slide-reader';
import type { NewPatch, SlideRow, Store } from '@pathlens/store';
import { measureTissue } from './background-filter.ts';
import { BoundedChannel } from './bounded-channel.ts';
import { patchGrid, type GridCell } from './patch-grid.ts';

export interface IngestSlideOptions {
  /** Patches whose tissue fraction is below this are skipped as background. */
  minTissueFraction: number;
  /** Patches per encoder call (capped by the encoder's own maximum). */
  batchSize: number;
  /** Encoder batches the reader may run ahead. */
  readAheadBatches?: number;
  signal?: AbortSignal | undefined;
  onProgress?: (counts: { tilesDone: number; tilesTotal: number; patchCount: number }) => void;
}

interface PatchBatch {
  cells: GridCell[];
  tissueFractions: number[];
  images: RgbImage[];
  /** Grid cells examined once this batch is stored. */
  tilesDoneAfter: number;
}

/**
 * Tile a registered slide at level 0, skip background, embed the tissue patches in batches
 * and store them, then the mean-pooled slide embedding. Reading runs ahead of encoding
 * through a bounded channel. Positions already stored (an interrupted run) are not read or
 * encoded again. Ends with the slide `ready`; throws on failure (the caller marks it failed).
 */
export async function ingestSlide(dependencies: { store: Store; imageEncoder: ImageEncoder; logger: Logger }, slide: SlideRow, options: IngestSlideOptions): Promise<void> {
  const { store, imageEncoder } = dependencies;
  const reader = await openSlide(slide.filePath);
  try {
    const level0 = reader.properties.levels[0]!;
    const grid = patchGrid({ widthPx: level0.widthPx, heightPx: level0.heightPx, patchSizePx: slide.patchSizeLevel0Px });
    const stored = await store.patches.storedPositions(slide.id);
    let patchCount = stored.size;
    await store.slides.markRunning(slide.id, grid.length);

    const batchSize = Math.max(1, Math.min(options.batchSize, imageEncoder.maxBatchSize));
    const channel = new BoundedChannel<PatchBatch>(options.readAheadBatches ?? 2);
    const reading = readBatches(reader, grid, stored, { ...options, batchSize }, channel).finally(() => channel.close());
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
    await store.slides.markReady(slide.id, { patchCount, embedding: mean ? Array.from(l2Normalise(Float32Array.from(mean))) : null });
  } finally {
    await reader.close();
  }
}

async function readBatches(
  reader: SlideReader,
  grid: GridCell[],
  stored: Set<string>,
  options: IngestSlideOptions & { batchSize: number },
  channel: BoundedChannel<PatchBatch>,
): Promise<void> {
  let batch: PatchBatch = { cells: [], tissueFractions: [], images: [], tilesDoneAfter: 0 };
  for (let index = 0; index < grid.length; index++) {
    if (options.signal?.aborted) return;
    const cell = grid[index]!;
    if (!stored.has(`${cell.xLevel0},${cell.yLevel0}`)) {
      const image = await reader.readRegion({ level: 0, xLevel0: cell.xLevel0, yLevel0: cell.yLevel0, widthPx: cell.sizeLevel0Px, heightPx: cell.sizeLevel0Px });
      const tissue = measureTissue(image, { minTissueFraction: options.minTissueFraction });
      if (!tissue.isBackground) {
        batch.cells.push(cell);
        batch.tissueFractions.push(tissue.tissueFraction);
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
