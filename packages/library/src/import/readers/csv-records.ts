import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parse, type Info, type Options } from 'csv-parse';
import type { RecordReader, SourceRecord } from '../source-record.ts';
import { RecordQueue } from './record-queue.ts';

/**
 * Stream a CSV (or TSV) file with a header row: each row becomes a record whose fields are
 * named by the header. Quotes may span lines. A row with a different number of fields than
 * the header is reported, not guessed at; an unclosed quote ends the file there (every row
 * before it is kept) and is reported with the line it opened on.
 */
export async function readCsvRecords(filePath: string, options: { delimiter: ',' | '\t' }): Promise<RecordReader> {
  const { size } = await stat(filePath);
  const source = createReadStream(filePath);
  let bytesDone = 0;
  let header: string[] | null = null;
  let row = 0;
  let lastEndLine = 0;
  let lastEmptyLines = 0;
  const queue = new RecordQueue<SourceRecord>({
    highWaterMark: 2_000,
    pause: () => source.pause(),
    resume: () => source.resume(),
    close: () => source.destroy(),
  });
  const parser = parse({
    delimiter: options.delimiter,
    bom: true,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    // With `info: true` each record arrives as { record, info } (the typings do not say so).
    on_record: (entry: unknown) => {
      const { record, info } = entry as { record: string[]; info: Info };
      const line = lastEndLine + 1 + (info.empty_lines - lastEmptyLines);
      lastEndLine = info.lines;
      lastEmptyLines = info.empty_lines;
      bytesDone = info.bytes;
      if (header === null) {
        header = record.map((name) => name.trim());
        return null;
      }
      row += 1;
      if (record.length !== header.length) {
        queue.push({
          row,
          line,
          error: `${record.length} fields where the header has ${header.length}; check the delimiter and quoting on this line`,
        });
      } else {
        queue.push({ row, line, fields: Object.fromEntries(header.map((name, index) => [name, record[index]])) });
      }
      return null;
    },
  } as Options);
  let failed = false;
  parser.on('error', (error: Error & { code?: string; lines?: number }) => {
    if (failed) return;
    failed = true;
    source.destroy();
    const line = lastEndLine + 1;
    const reason =
      error.code === 'CSV_QUOTE_NOT_CLOSED'
        ? `a quoted field opens on line ${line} and is never closed; lines ${line}–${error.lines ?? '?'} could not be read`
        : `the CSV cannot be read past line ${line}: ${error.message}`;
    queue.push({ row: row + 1, line, error: reason });
    queue.end();
  });
  parser.on('end', () => {
    bytesDone = size;
    queue.end();
  });
  // Fed by hand rather than piped, so that the queue's pause/resume alone controls the flow.
  source.on('data', (chunk) => {
    if (!failed) parser.write(chunk);
  });
  source.on('end', () => parser.end());
  source.on('error', (error) => parser.destroy(error));
  parser.resume();
  return { records: queue, position: () => ({ done: bytesDone, total: size, unit: 'bytes' }) };
}

/** The header of a CSV file (first record), for detecting its columns before the import starts. */
export async function readCsvHeader(filePath: string, options: { delimiter: ',' | '\t' }): Promise<string[]> {
  const parser = createReadStream(filePath, { end: 1_048_575 }).pipe(
    parse({
      delimiter: options.delimiter,
      bom: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      to_line: 1,
    }),
  );
  for await (const record of parser as AsyncIterable<string[]>) return record.map((name) => name.trim());
  return [];
}
