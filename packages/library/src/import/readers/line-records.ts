import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { RecordReader, SourceRecord } from '../source-record.ts';

/** What one non-blank line becomes: its fields, or why it is rejected. */
export type LineOutcome = { fields: Record<string, unknown> } | { error: string };

/**
 * Stream a text file line by line (UTF-8, a leading BOM dropped, blank lines skipped), turning
 * each line into a record with `parseLine`; progress is in bytes read.
 */
export async function readLineRecords(
  filePath: string,
  parseLine: (text: string) => LineOutcome,
): Promise<RecordReader> {
  const { size } = await stat(filePath);
  let bytesDone = 0;
  async function* records(): AsyncGenerator<SourceRecord> {
    const lines = createInterface({ input: createReadStream(filePath, { encoding: 'utf8' }), crlfDelay: Infinity });
    let lineNumber = 0;
    let row = 0;
    try {
      for await (const raw of lines) {
        lineNumber += 1;
        bytesDone += Buffer.byteLength(raw) + 1;
        const text = lineNumber === 1 ? raw.replace(/^\uFEFF/, '') : raw;
        if (text.trim() === '') continue;
        row += 1;
        yield { row, line: lineNumber, ...parseLine(text) };
      }
      bytesDone = size;
    } finally {
      lines.close();
    }
  }
  return { records: records(), position: () => ({ done: Math.min(bytesDone, size), total: size, unit: 'bytes' }) };
}
