import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { PathLensError, createGuardedFetch, type GuardedFetch } from '@pathlens/core';
import type { ImageEncoder, TextEncoder } from '@pathlens/encoders';
import type { Store } from '@pathlens/store';
import { saveLibraryImage } from '../pairs/library-image-file.ts';
import { addPhiCounts, emptyPhiCounts, type PhiCounts, type PhiScrubber } from '../phi/scrub-phi.ts';
import { emptyImportError } from './empty-import-error.ts';
import { emptyImportCounts, type ImportCounts } from './import-counts.ts';
import { detectImportFormat, openRecordReader, type ImportFormat } from './import-format.ts';
import { fieldNames, hasCaptionField } from './record-fields.ts';
import { prepareBatch, type PreparedBatch } from './prepare-batch.ts';
import type { RejectedRow } from './row-rejection.ts';
import type { ReadPosition, SourceRecord } from './source-record.ts';

export interface ImportPairsDependencies {
  store: Store;
  imageEncoder: ImageEncoder;
  textEncoder: TextEncoder;
  phiScrubber: PhiScrubber;
  /** For http(s) images: a guarded fetcher (`createGuardedFetch`); by default none may be fetched. */
  fetch?: GuardedFetch | undefined;
}

export interface ImportPairsOptions {
  /** The file or folder to import (absolute). */
  target: string;
  /** The input as the user named it (an upload's file name), for messages; default the target's base name. */
  displayName?: string | undefined;
  /** Overrides detection (`detectImportFormat`). */
  format?: ImportFormat | undefined;
  /** Where image ids are looked up; default `images/` beside the file when that folder exists, else none (id-only rows
   * become text-only).
   */
  imagesDir?: string | null | undefined;
  /** Import captions only, ignoring any image fields. */
  textOnly?: boolean | undefined;
  /** Source for rows that name none; default the file's (or folder's) name without extension. */
  source?: string | null | undefined;
  /** Folders local images may be read from (SLIDE_DIRS, an upload's folder). */
  allowedRoots: string[];
  /** DATA_DIR: images are kept under `<dataDir>/pairs/`. */
  dataDir: string;
  /** Rows per encoder batch. */
  batchSize: number;
  /** Rows up to this number were handled by an earlier run of the same import: read past, not imported again. */
  resumeAfterRow?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Called once the format is known, before the first row. */
  onStart?: ((plan: ImportPlan) => Promise<void> | void) | undefined;
  /** Called after each batch is stored, in row order. */
  onBatch?: ((batch: ImportBatchResult) => Promise<void> | void) | undefined;
}

export interface ImportPlan {
  format: ImportFormat;
  imagesDir: string | null;
  defaultSource: string;
}

export interface ImportBatchResult {
  /** Every row up to this one is now imported, a duplicate or rejected. */
  lastRow: number;
  /** This batch only. */
  counts: ImportCounts;
  rejected: RejectedRow[];
  /** Replacements made in the text of the rows stored by this batch. */
  phiCounts: PhiCounts;
  position: ReadPosition;
}

/** Without FETCH_ALLOWED_HOSTS, no image URL is fetched (the rejection names the setting). */
const noRemoteFetching = createGuardedFetch({ allowedHosts: [], maxBytes: 0, timeoutMs: 1 });

/** Records that are not readable rows still count towards a batch, up to this many. */
const largestBatchRecords = 1_000;

/**
 * Import image–caption pairs from a file or folder into the library, streaming: rows are read
 * lazily, prepared one batch ahead (image loaded, hashed, checked for duplicates, decoded),
 * embedded in encoder batches and stored batch by batch. A bad row is reported with its reason
 * and skipped; only a problem with the whole input (unreadable, no caption field) stops it.
 *
 * @example
 * const result = await importPairs({ store, imageEncoder, textEncoder, phiScrubber }, {
 *   target: '/data/quilt/quilt.csv', allowedRoots: ['/data/quilt'], dataDir: './data', batchSize: 32,
 *   onBatch: (batch) => console.log(batch.counts),
 * });
 */
export async function importPairs(
  dependencies: ImportPairsDependencies,
  options: ImportPairsOptions,
): Promise<{ plan: ImportPlan; counts: ImportCounts; phiCounts: PhiCounts }> {
  const plan = await planImport(options);
  await options.onStart?.(plan);
  const reader = await openRecordReader(options.target, plan.format);
  const allowedRoots = (await Promise.all(options.allowedRoots.map((root) => realpath(root).catch(() => null)))).filter(
    (root): root is string => root !== null,
  );
  const context = {
    ...dependencies,
    textOnly: options.textOnly ?? false,
    defaultSource: plan.defaultSource,
    location: {
      baseDir: path.dirname(options.target),
      imagesDir: plan.imagesDir,
      allowedRoots,
      fetch: dependencies.fetch ?? noRemoteFetching,
    },
  };
  const counts = emptyImportCounts();
  const phiCounts = emptyPhiCounts();
  const batches = batchesOf(reader.records, options.resumeAfterRow ?? 0, options.batchSize)[Symbol.asyncIterator]();
  const prepareNext = async (recentHashes: Set<string>): Promise<PreparedBatch | null> => {
    const next = await batches.next();
    return next.done ? null : prepareBatch(context, next.value, recentHashes);
  };
  let upcoming = prepareNext(new Set());
  try {
    for (;;) {
      upcoming.catch(() => {}); // awaited below; silence the rejection while the current batch is stored
      const prepared = await upcoming;
      if (prepared === null) break;
      options.signal?.throwIfAborted();
      upcoming = prepareNext(new Set(prepared.entries.map((entry) => entry.contentSha256)));
      const stored = await storeBatch(dependencies, options, prepared);
      for (const key of Object.keys(counts) as (keyof ImportCounts)[]) counts[key] += stored.counts[key];
      addPhiCounts(phiCounts, stored.phiCounts);
      await options.onBatch?.({ ...stored, position: reader.position() });
    }
  } finally {
    await upcoming.catch(() => null);
    await batches.return?.(undefined);
  }
  // Nothing read at all is never a success: say what was tried and what PathLens reads.
  if (counts.rowsRead === 0 && !options.resumeAfterRow)
    throw await emptyImportError(options.target, plan.format, options.displayName);
  return { plan, counts, phiCounts };
}

/** Decide format, images folder and default source before reading. */
async function planImport(options: ImportPairsOptions): Promise<ImportPlan> {
  const info = await stat(options.target).catch(() => null);
  if (!info)
    throw new PathLensError('not_found', `Nothing to import at ${options.target}: no such file or folder.`, {
      param: 'path',
    });
  const format = options.format ?? (await detectImportFormat(options.target));
  let imagesDir = options.imagesDir ?? null;
  if (options.imagesDir === undefined && format !== 'folder') {
    const beside = path.join(path.dirname(options.target), 'images');
    imagesDir = (await stat(beside).catch(() => null))?.isDirectory() ? beside : null;
  }
  const defaultSource =
    options.source ?? path.basename(options.target, info.isDirectory() ? '' : path.extname(options.target));
  return { format, imagesDir, defaultSource };
}

/** Group records into batches of `batchSize` readable rows, skipping rows an earlier run handled. */
async function* batchesOf(
  records: AsyncIterable<SourceRecord>,
  resumeAfterRow: number,
  batchSize: number,
): AsyncGenerator<SourceRecord[]> {
  let batch: SourceRecord[] = [];
  let readable = 0;
  let checkedFields = false;
  for await (const record of records) {
    if (!checkedFields && record.fields) {
      checkedFields = true;
      if (!hasCaptionField(record.fields)) {
        throw new PathLensError(
          'invalid_request',
          `No caption field in the first row (fields: ${Object.keys(record.fields).join(', ') || 'none'}). Name the caption column one of ${fieldNames.caption.join(', ')} — or give question and answer columns for Q/A rows.`,
          { param: 'file' },
        );
      }
    }
    if (record.row <= resumeAfterRow) continue;
    batch.push(record);
    if (!record.error) readable += 1;
    if (readable >= batchSize || batch.length >= largestBatchRecords) {
      yield batch;
      batch = [];
      readable = 0;
    }
  }
  if (batch.length > 0) yield batch;
}

/** Embed a prepared batch (encoder-sized chunks), keep its images, and insert its rows in one statement. */
async function storeBatch(
  dependencies: ImportPairsDependencies,
  options: ImportPairsOptions,
  prepared: PreparedBatch,
): Promise<Omit<ImportBatchResult, 'position'>> {
  const { store, imageEncoder, textEncoder } = dependencies;
  const withImages = prepared.entries.filter((entry) => entry.image !== null);
  const [imageEmbeddings, captionEmbeddings] = await Promise.all([
    inChunks(
      withImages.map((entry) => entry.image!.pixels),
      Math.min(options.batchSize, imageEncoder.maxBatchSize),
      (chunk) => imageEncoder.embedImages(chunk),
    ),
    inChunks(
      prepared.entries.map((entry) => entry.caption),
      Math.min(options.batchSize, textEncoder.maxBatchSize),
      (chunk) => textEncoder.embedTexts(chunk),
    ),
  ]);
  const imageRefs = await Promise.all(
    withImages.map((entry) =>
      saveLibraryImage(options.dataDir, entry.contentSha256, entry.image!.format, entry.image!.bytes),
    ),
  );
  const imageIndex = new Map(withImages.map((entry, index) => [entry, index]));
  const inserted = await store.pairs.insertMany(
    prepared.entries.map((entry, index) => {
      const imagePosition = imageIndex.get(entry);
      return {
        imageRef: imagePosition === undefined ? null : imageRefs[imagePosition]!,
        contentSha256: entry.contentSha256,
        caption: entry.caption,
        source: entry.source,
        metadata: entry.metadata,
        imageEmbedding: imagePosition === undefined ? null : Array.from(imageEmbeddings[imagePosition]!),
        captionEmbedding: Array.from(captionEmbeddings[index]!),
      };
    }),
  );
  await store.pairRows.link(prepared.rowLinks); // duplicates keep their own slide id, subtype and metadata
  const stored = prepared.entries.filter((entry) => inserted.has(entry.contentSha256));
  const phiCounts = emptyPhiCounts();
  for (const entry of stored) addPhiCounts(phiCounts, entry.phiCounts);
  return {
    lastRow: prepared.lastRow,
    counts: {
      rowsRead: prepared.rowsRead,
      imported: stored.length,
      textOnly: stored.filter((entry) => entry.image === null).length,
      // A row stored by someone else between the duplicate check and the insert is a duplicate too.
      duplicates: prepared.duplicates + prepared.entries.length - stored.length,
      rejected: prepared.rejected.length,
    },
    rejected: prepared.rejected,
    phiCounts,
  };
}

async function inChunks<T, R>(items: T[], size: number, run: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += size)
    results.push(...(await run(items.slice(start, start + size))));
  return results;
}
