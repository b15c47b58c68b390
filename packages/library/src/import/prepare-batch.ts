import { PathLensError } from '@pathlens/core';
import { decodeImage, type RgbPixels } from '@pathlens/encoders';
import type { NewPairRow, Store } from '@pathlens/store';
import { scrubPairText } from '../pairs/scrub-pair-text.ts';
import type { PhiCounts, PhiScrubber } from '../phi/scrub-phi.ts';
import { candidateFromFields } from './record-fields.ts';
import { findImageById, loadImageReference, type ImageLocation, type LoadedImage } from './load-image.ts';
import { sha256Hex } from './content-hash.ts';
import { RowRejection, type RejectedRow } from './row-rejection.ts';
import type { SourceRecord } from './source-record.ts';

/** A row ready to embed and store: text scrubbed, image loaded and decoded, content hashed. */
export interface ReadyEntry {
  row: number;
  /** sha256 of the image bytes, or of the (scrubbed) caption for a text-only entry. */
  contentSha256: string;
  caption: string;
  source: string | null;
  metadata: Record<string, string>;
  image: { bytes: Uint8Array; pixels: RgbPixels; format: string } | null;
  phiCounts: PhiCounts;
}

export interface PreparedBatch {
  entries: ReadyEntry[];
  /** Every readable row's own fields and the content it is stored as, duplicates included (see `store.pairRows`). */
  rowLinks: NewPairRow[];
  rejected: RejectedRow[];
  duplicates: number;
  rowsRead: number;
  lastRow: number;
}

export interface PrepareContext {
  store: Store;
  phiScrubber: PhiScrubber;
  textOnly: boolean;
  defaultSource: string;
  location: ImageLocation;
}

/**
 * Turn a batch of records into entries: understand each row, scrub its text, load its image,
 * hash it, drop duplicates (earlier in the batch, in `recentHashes`, or already stored) and
 * decode what is left. A row that fails any step is rejected with its reason.
 */
export async function prepareBatch(
  context: PrepareContext,
  records: SourceRecord[],
  recentHashes: Set<string>,
): Promise<PreparedBatch> {
  const rejected: RejectedRow[] = [];
  const reject = (record: SourceRecord, error: RowRejection) =>
    rejected.push({
      row: record.row,
      line: record.line,
      key: record.key,
      file: record.file,
      code: error.code,
      reason: error.message,
    });

  const loaded = await Promise.all(
    records.map(async (record) => {
      if (record.error !== undefined || !record.fields) {
        reject(record, new RowRejection('malformed_row', record.error ?? 'empty row'));
        return null;
      }
      try {
        const candidate = candidateFromFields(record.fields, { textOnly: context.textOnly });
        const text = scrubPairText(context.phiScrubber, {
          caption: candidate.caption,
          source: candidate.source ?? context.defaultSource,
          metadata: candidate.metadata,
        });
        let image: LoadedImage | null = null;
        if (candidate.image.kind === 'reference')
          image = await loadImageReference(candidate.image.value, context.location);
        else if (candidate.image.kind === 'ids' && context.location.imagesDir !== null) {
          image = await findImageById(candidate.image.values, {
            ...context.location,
            imagesDir: context.location.imagesDir,
          });
        }
        return { record, text, image, contentSha256: sha256Hex(image ? image.bytes : text.caption) };
      } catch (error) {
        if (error instanceof RowRejection) {
          reject(record, error);
          return null;
        }
        throw error;
      }
    }),
  );

  const candidates = loaded.filter((entry) => entry !== null);
  const stored = await context.store.pairs.existingContentHashes([
    ...new Set(candidates.map((entry) => entry.contentSha256)),
  ]);
  const seen = new Set<string>();
  let duplicates = 0;
  const unique = candidates.filter((entry) => {
    const duplicate =
      seen.has(entry.contentSha256) || recentHashes.has(entry.contentSha256) || stored.has(entry.contentSha256);
    seen.add(entry.contentSha256);
    if (duplicate) duplicates += 1;
    return !duplicate;
  });

  const entries = await Promise.all(
    unique.map(async ({ record, text, image, contentSha256 }): Promise<ReadyEntry | null> => {
      let decoded: ReadyEntry['image'] = null;
      if (image) {
        try {
          const { format, ...pixels } = await decodeImage(image.bytes);
          decoded = { bytes: image.bytes, pixels, format };
        } catch (error) {
          if (!PathLensError.is(error, 'unsupported_format')) throw error;
          reject(
            record,
            new RowRejection(
              'not_an_image',
              `${image.origin === 'data URL' ? 'the data URL' : image.origin} is not a readable image (PNG, JPEG, TIFF or WebP)`,
            ),
          );
          return null;
        }
      }
      return {
        row: record.row,
        contentSha256,
        caption: text.caption,
        source: text.source,
        metadata: text.metadata,
        image: decoded,
        phiCounts: text.phiCounts,
      };
    }),
  );

  rejected.sort((first, second) => first.row - second.row);
  const rowLinks = candidates.map(({ text, contentSha256 }) => ({
    pairContentSha256: contentSha256,
    source: text.source,
    metadata: text.metadata,
  }));
  return {
    entries: entries.filter((entry) => entry !== null),
    rowLinks,
    rejected,
    duplicates,
    rowsRead: records.length,
    lastRow: records.at(-1)?.row ?? 0,
  };
}
