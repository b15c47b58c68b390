import sharp from 'sharp';
import { PathLensError, threadBudget, type Logger } from '@pathlens/core';
import { l2Normalise, type ImageEncoder } from '@pathlens/encoders';
import { fileSlideOpener, type RgbImage, type SlideOpener, type SlideReader } from '@pathlens/slide-reader';
import type { NewPatch, SlideRow, Store } from '@pathlens/store';
import { measureTissue } from './background-filter.ts';
import { patchGrid, type GridCell } from './patch-grid.ts';
import { mapInOrder } from './pipeline/map-in-order.ts';
import { PatchReaderThread } from './pipeline/patch-reader-thread/patch-reader-thread.ts';
import { readAhead } from './pipeline/read-ahead.ts';
import type { PrototypeSettings } from './prototypes/slide-prototypes.ts';
import { storeSlidePrototypes } from './prototypes/summarise-slide.ts';
import { patchReadPlan, type PatchReadPlan } from './tiling/read-level.ts';
import { readPatch } from './tiling/read-patch.ts';
import type { TissueDetectionSettings } from './tissue/tissue-detection-settings.ts';
import { tissueFractionInRect, type TissueMask } from './tissue/tissue-mask.ts';
import { slideTissueMask } from './tissue/slide-tissue-mask.ts';

/** What ingestion works with. */
export interface IngestionDependencies {
  store: Store;
  imageEncoder: ImageEncoder;
  logger: Logger;
  /** Opens a slide row's source (files and DICOMweb servers); files only when absent. */
  openSlide?: SlideOpener | undefined;
}

export interface IngestSlideOptions {
  /** Patches whose share of the tissue mask is below this (0–1) are skipped without being read. */
  minTissueFraction: number;
  /** Patches per encoder call (capped by the encoder's own maximum). */
  batchSize: number;
  /** Encoder batches the reader may run ahead. Default 2. */
  readAheadBatches?: number;
  /** Patch reads in flight at once (libvips decodes on libuv's thread pool). Default: the thread budget's. */
  readConcurrency?: number;
  /**
   * A slide file with at least this many tissue cells to read is read in a worker thread (`PatchReaderThread`:
   * decoding, resizing and the stained-pixel check leave this thread, which then only stores). Default 1,024 (below
   * that, starting the thread costs more than it saves); 0 always, Infinity never. DICOMweb slides are read here.
   */
  readThreadMinPatches?: number;
  /** libvips threads per operation (`sharp.concurrency`, process-wide), set when the run starts. Default: the thread
   * budget's.
   */
  libvipsConcurrency?: number;
  /** DATA_DIR: the tissue mask is kept under `slides/<id>/` there (and reused on resume). Without it, it is not saved.
   *
   */
  dataDir?: string | undefined;
  tissueDetection?: Partial<TissueDetectionSettings> | undefined;
  prototypes?: Partial<PrototypeSettings> | undefined;
  /**
   * Aborting stops the run: no batch goes to the encoder after it; the batch being encoded, if
   * any, and the write in flight are stored first. Then `ingestSlide` throws.
   */
  signal?: AbortSignal | undefined;
  /**
   * When a batch is handed to the store (its rows and progress are written while the next
   * batch is encoded), and every 256 background cells, with the slide's totals including it;
   * before the next batch goes to the encoder, so aborting here encodes nothing more.
   */
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
  /** Grid cells examined once this batch is stored: every cell before this index is stored or skipped. */
  tilesDoneAfter: number;
}

/**
 * Tile a registered slide at its stored patch size (level-0 pixels, set at registration from
 * the target MPP), read each tissue patch from the best pyramid level and resize it to the
 * encoder's input, embed in batches and store; then the mean-pooled slide embedding and the
 * k-means prototypes. Cells outside the tissue mask are never read.
 *
 * Three stages overlap: patches are read (several in flight) up to `readAheadBatches`
 * batches ahead of the encoder, and batch N is stored while batch N+1 is encoded. Batches
 * are stored in grid order, so `tiles_done` means "every cell before it is stored or
 * skipped": an interrupted run resumes after it (progress continues from there) and never
 * reads or encodes a stored position again. Ends with the slide `ready`; throws on failure
 * (the caller marks it failed).
 */
export async function ingestSlide(
  dependencies: IngestionDependencies,
  slide: SlideRow,
  options: IngestSlideOptions,
): Promise<void> {
  const { store, imageEncoder, logger } = dependencies;
  const budget = threadBudget();
  sharp.concurrency(options.libvipsConcurrency ?? budget.libvipsConcurrency);
  const reader = await (dependencies.openSlide ?? fileSlideOpener)(slide);
  let thread: PatchReaderThread | null = null;
  try {
    const level0 = reader.properties.levels[0]!;
    const grid = patchGrid({
      widthPx: level0.widthPx,
      heightPx: level0.heightPx,
      patchSizePx: slide.patchSizeLevel0Px,
    });
    const readPlan = patchReadPlan(reader.properties.levels, slide.patchSizeLevel0Px, imageEncoder.inputSizePx);
    const tissue = await slideTissueMask(reader, slide, {
      dataDir: options.dataDir,
      settings: options.tissueDetection,
    });
    const stored = await store.patches.storedPositions(slide.id);
    const resumeFromTile = resumePoint(slide, grid.length);
    let patchCount = stored.size;
    let tilesDone = resumeFromTile;
    await store.slides.markRunning(slide.id, grid.length);
    logger.debug(`tiling ${slide.name}`, {
      slideId: slide.id,
      patchSizeLevel0Px: slide.patchSizeLevel0Px,
      readLevel: readPlan.level,
      cells: grid.length,
      resumeFromTile,
    });

    const batchSize = Math.max(1, Math.min(options.batchSize, imageEncoder.maxBatchSize));
    const cellsToRead = countCellsToRead(grid, tissue, { fromTile: resumeFromTile, stored }, options.minTissueFraction);
    thread =
      slide.source === 'file' && cellsToRead >= (options.readThreadMinPatches ?? defaultReadThreadMinPatches)
        ? await PatchReaderThread.start({
            filePath: slide.filePath,
            readPlan,
            inputSizePx: imageEncoder.inputSizePx,
            minStainedPixelFraction,
            readsInFlight: options.readConcurrency ?? budget.readsInFlight,
          })
        : null;
    const source = { reader, thread, readPlan, mask: tissue, inputSizePx: imageEncoder.inputSizePx };
    const stopIfAborted = () => {
      if (options.signal?.aborted)
        throw new PathLensError(
          'internal_error',
          'Ingestion stopped: the server is shutting down; it resumes at the next start.',
        );
    };
    const storeBatch = async (
      batch: PatchBatch,
      embeddings: Float32Array[],
      counts: { tilesDone: number; patchCount: number },
    ) => {
      const rows: NewPatch[] = batch.cells.map((cell, index) => ({
        xLevel0: cell.xLevel0,
        yLevel0: cell.yLevel0,
        sizeLevel0Px: cell.sizeLevel0Px,
        tissueFraction: batch.tissueFractions[index]!,
        embedding: embeddings[index]!,
      }));
      await store.patches.insertBatch(slide.id, rows);
      await store.slides.updateProgress(slide.id, counts);
    };

    // The previous batch's write (patch rows, then progress), running while the next batch is encoded.
    let storing: Promise<void> = Promise.resolve();
    try {
      const batches = readAhead(
        (stopReading) =>
          readBatches(
            source,
            grid,
            { fromTile: resumeFromTile, stored },
            { ...options, batchSize, signal: anySignal(stopReading, options.signal) },
          ),
        options.readAheadBatches ?? 2,
      );
      for await (const batch of batches) {
        stopIfAborted(); // nothing more goes to the encoder; the write in flight is finished below
        const embeddings = batch.images.length > 0 ? await imageEncoder.embedImages(batch.images) : [];
        batch.images = []; // the pixels are not needed past the encoder
        await storing; // one write at a time, in grid order: `tiles_done` never runs ahead of the rows
        // Encoded is stored, even when a stop came during the encode: no encoder work is thrown away.
        patchCount += embeddings.length;
        tilesDone = batch.tilesDoneAfter;
        storing = storeBatch(batch, embeddings, { tilesDone, patchCount });
        storing.catch(() => {}); // surfaced at the next await
        options.onProgress?.({ tilesDone, tilesTotal: grid.length, patchCount });
      }
    } catch (error) {
      await storing.catch(() => {}); // never leave a write running behind a failure
      throw error;
    }
    await storing;
    stopIfAborted(); // the reader stops early on abort: never mark a partial slide ready

    if (patchCount === 0) {
      throw new PathLensError(
        'invalid_request',
        `No tissue found: all ${grid.length} patches of ${slide.patchSizeLevel0Px} px were background (tissue fraction under ${options.minTissueFraction}). Lower MIN_TISSUE_FRACTION if this slide has faint tissue.`,
      );
    }
    const mean = await store.patches.meanEmbedding(slide.id);
    const clusterInThread = thread;
    await storeSlidePrototypes(
      store,
      slide.id,
      options.prototypes,
      clusterInThread ? (patches, settings) => clusterInThread.computePrototypes(patches, settings) : undefined,
    );
    stopIfAborted();
    await store.slides.markReady(slide.id, {
      patchCount,
      embedding: mean ? Array.from(l2Normalise(Float32Array.from(mean))) : null,
    });
  } finally {
    await thread?.close();
    await reader.close();
  }
}

/** Tissue cells below this many to read are read on the ingesting thread (see `readThreadMinPatches`). */
export const defaultReadThreadMinPatches = 1024;

/** Cells a thread reads per call: a batch's worth, so a call's reply is one transfer of ~5 MB. */
const threadReadsPerCall = 32;

/**
 * Where an interrupted run left off: its `tiles_done`, when the slide was tiled on this
 * same grid and not finished. A slide requeued after it finished (`tiles_done` = total)
 * is examined from the start again, so new settings apply to all of it; stored positions
 * are still skipped.
 */
function resumePoint(slide: SlideRow, gridLength: number): number {
  return slide.tilesTotal === gridLength && slide.tilesDone > 0 && slide.tilesDone < gridLength ? slide.tilesDone : 0;
}

function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal {
  return AbortSignal.any(signals.filter((signal): signal is AbortSignal => signal !== undefined));
}

/** A grid cell to look at, and whether it is worth reading. */
interface CellTask {
  cell: GridCell;
  /** Position in the grid; cells before it are done once it is stored. */
  index: number;
  tissueFraction: number;
  read: boolean;
}

/**
 * Batches of tissue patches in grid order, from `fromTile` on, reading `readConcurrency`
 * patches at a time. Returns early, without a last batch, once `signal` aborts.
 */
async function* readBatches(
  source: {
    reader: SlideReader;
    thread: PatchReaderThread | null;
    readPlan: PatchReadPlan;
    mask: TissueMask;
    inputSizePx: number;
  },
  grid: GridCell[],
  resume: { fromTile: number; stored: Set<string> },
  options: IngestSlideOptions & { batchSize: number },
): AsyncGenerator<PatchBatch, void, undefined> {
  function* cellTasks(): Generator<CellTask> {
    for (let index = resume.fromTile; index < grid.length; index++) {
      const cell = grid[index]!;
      const tissueFraction = tissueFractionInRect(source.mask, cell);
      const read = isToRead(cell, tissueFraction, resume.stored, options.minTissueFraction);
      yield { cell, index, tissueFraction, read };
    }
  }
  const readCell = async (task: CellTask): Promise<{ task: CellTask; image: RgbImage | null }> => {
    if (!task.read || options.signal?.aborted) return { task, image: null };
    const image = await readPatch(source.reader, task.cell, source.readPlan, source.inputSizePx);
    return {
      task,
      image: measureTissue(image, { minTissueFraction: minStainedPixelFraction }).isBackground ? null : image,
    };
  };

  // In the thread: calls of up to `threadReadsPerCall` reads (background cells ride along), two in flight.
  const readChunk = async (tasks: CellTask[]): Promise<{ task: CellTask; image: RgbImage | null }[]> => {
    const toRead = tasks.filter((task) => task.read);
    const images =
      toRead.length === 0 || options.signal?.aborted
        ? []
        : await source.thread!.readPatches(toRead.map((task) => task.cell));
    let next = 0;
    return tasks.map((task) => ({ task, image: task.read && images.length > 0 ? images[next++]! : null }));
  };
  async function* readResults(): AsyncGenerator<{ task: CellTask; image: RgbImage | null }> {
    if (!source.thread) {
      yield* mapInOrder(cellTasks(), options.readConcurrency ?? threadBudget().readsInFlight, readCell);
      return;
    }
    for await (const chunk of mapInOrder(chunksOfReads(cellTasks(), threadReadsPerCall), 2, readChunk)) yield* chunk;
  }

  let batch: PatchBatch = { cells: [], tissueFractions: [], images: [], tilesDoneAfter: resume.fromTile };
  for await (const { task, image } of readResults()) {
    if (options.signal?.aborted) return;
    if (image) {
      batch.cells.push(task.cell);
      batch.tissueFractions.push(task.tissueFraction);
      batch.images.push(image);
    }
    batch.tilesDoneAfter = task.index + 1;
    // Send full batches, and also every 256 cells so progress moves over long background stretches.
    if (batch.images.length >= options.batchSize || (batch.images.length === 0 && batch.tilesDoneAfter % 256 === 0)) {
      yield batch;
      batch = { cells: [], tissueFractions: [], images: [], tilesDoneAfter: batch.tilesDoneAfter };
    }
  }
  if (!options.signal?.aborted) yield batch;
}

function isToRead(cell: GridCell, tissueFraction: number, stored: Set<string>, minTissueFraction: number): boolean {
  return tissueFraction >= minTissueFraction && !stored.has(`${cell.xLevel0},${cell.yLevel0}`);
}

function countCellsToRead(
  grid: GridCell[],
  mask: TissueMask,
  resume: { fromTile: number; stored: Set<string> },
  minTissueFraction: number,
): number {
  let count = 0;
  for (let index = resume.fromTile; index < grid.length; index++) {
    const cell = grid[index]!;
    if (isToRead(cell, tissueFractionInRect(mask, cell), resume.stored, minTissueFraction)) count++;
  }
  return count;
}

/** Consecutive tasks in groups holding up to `reads` cells to read (and at most 256 tasks, so progress moves). */
function* chunksOfReads(tasks: Iterable<CellTask>, reads: number): Generator<CellTask[]> {
  let chunk: CellTask[] = [];
  let readCount = 0;
  for (const task of tasks) {
    chunk.push(task);
    if (task.read) readCount++;
    if (readCount >= reads || chunk.length >= 256) {
      yield chunk;
      chunk = [];
      readCount = 0;
    }
  }
  if (chunk.length > 0) yield chunk;
}
