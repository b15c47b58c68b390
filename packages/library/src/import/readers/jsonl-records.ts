import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { RecordReader, SourceRecord } from '../source-record.ts';

/** Stream a JSON Lines file: one JSON object per line; blank lines are skipped, a line that is not an object is reported. */
export async function readJsonlRecords(filePath: string): Promise<RecordReader> {
  const { size } = await stat(filePath);
  let bytesDone = 0;
  async function* records(): AsyncGenerator<SourceRecord> {
    const lines = createInterface({ input: createReadStream(filePath, { encoding: 'utf8' }), crlfDelay: Infinity });
    let lineNumber = 0;
    let row = 0;
    try {
      for await (const text of lines) {
        lineNumber += 1;
        bytesDone += Buffer.byteLength(text) + 1;
        const trimmed = lineNumber === 1 ? text.replace(/^\uFEFF/, '').trim() : text.trim();
        if (trimmed === '') continue;
        row += 1;
        let value: unknown;
        try {
          value = JSON.parse(trimmed);
        } catch (error) {
          yield { row, line: lineNumber, error: `not valid JSON (${(error as Error).message})` };
          continue;
        }
        if (typeof value !== 'object' || value === null || Array.isArray(value)) {
          yield { row, line: lineNumber, error: 'a JSON Lines row must be an object such as {"image": "a.png", "caption": "…"}' };
          continue;
        }
        yield { row, line: lineNumber, fields: value as Record<string, unknown> };
      }
      bytesDone = size;
    } finally {
      lines.close();
    }
  }
  return { records: records(), position: () => ({ done: Math.min(bytesDone, size), total: size, unit: 'bytes' }) };
}
