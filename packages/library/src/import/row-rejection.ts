/** Why a row was not imported; each code's message says what to fix. */
export const rowRejectionCodes = [
  'malformed_row',
  'no_caption',
  'caption_too_long',
  'metadata_too_large',
  'missing_image',
  'image_not_found',
  'image_not_allowed',
  'image_download_failed',
  'image_too_large',
  'unsupported_image_reference',
  'not_an_image',
] as const;
export type RowRejectionCode = (typeof rowRejectionCodes)[number];

/** Thrown while preparing one row; the import records it and moves on to the next row. */
export class RowRejection extends Error {
  override readonly name = 'RowRejection';
  constructor(
    readonly code: RowRejectionCode,
    message: string,
  ) {
    super(message);
  }
}

/** One line of an import's rejected-rows report (`rejected.jsonl`). */
export interface RejectedRow {
  /** 1-based record number in the input (CSV header excluded). */
  row: number;
  /** 1-based line the row starts on, for line-based inputs. */
  line?: number | undefined;
  /** The element's key in a JSON object (ARCH id). */
  key?: string | undefined;
  /** Folder shape: the file, relative to the folder. */
  file?: string | undefined;
  code: RowRejectionCode;
  reason: string;
}
