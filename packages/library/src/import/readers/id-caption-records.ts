import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { RecordReader, SourceRecord } from '../source-record.ts';

/**
 * Stream `id<TAB>caption` lines (PathVQA's PEIR caption file): fields `id` and `caption`.
 * Blank lines are skipped; a line without a tab is reported.
 */
export async function readIdCaptionRecords(filePath: string): Promise<RecordReader> {
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
        const tab = text.indexOf('\t');
        if (tab < 0) {
          yield { row, line: lineNumber, error: 'expected `id<TAB>caption`; this line has no tab' };
          continue;
        }
        yield { row, line: lineNumber, fields: { id: text.slice(0, tab).trim(), caption: text.slice(tab + 1) } };
      }
      bytesDone = size;
    } finally {
      lines.close();
    }
  }
  return { records: records(), position: () => ({ done: Math.min(bytesDone, size), total: size, unit: 'bytes' }) };
}
