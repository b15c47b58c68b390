/** One record as a reader found it in the input: its fields by name, or why it could not be read. */
export interface SourceRecord {
  /** 1-based record number in the input (a CSV header is not a record). */
  row: number;
  /** 1-based line where the record starts, for line-based inputs (CSV, JSONL, id-caption lines). */
  line?: number | undefined;
  /** The record's key in a JSON object (ARCH: the figure id). */
  key?: string | undefined;
  /** Folder shape: the file the record is about, relative to the folder. */
  file?: string | undefined;
  /** Field name → value, as the input gave them. Absent when `error` is set. */
  fields?: Record<string, unknown> | undefined;
  /** Why the record could not be read at all (a malformed line); the import reports it and goes on. */
  error?: string | undefined;
}

/** How far through its input a reader is. */
export interface ReadPosition {
  done: number;
  /** Null while unknown. */
  total: number | null;
  unit: 'bytes' | 'files';
}

/** The records of one input, in order, read lazily: a million-row file is never held in memory. */
export interface RecordReader {
  records: AsyncIterable<SourceRecord>;
  position(): ReadPosition;
}
