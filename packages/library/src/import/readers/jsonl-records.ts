import type { RecordReader } from '../source-record.ts';
import { readLineRecords } from './line-records.ts';

/** Stream a JSON Lines file: one JSON object per line; blank lines are skipped, a line that is not an object is
 * reported.
 */
export function readJsonlRecords(filePath: string): Promise<RecordReader> {
  return readLineRecords(filePath, (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text.trim());
    } catch (error) {
      return { error: `not valid JSON (${(error as Error).message})` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { error: 'a JSON Lines row must be an object such as {"image": "a.png", "caption": "…"}' };
    }
    return { fields: value as Record<string, unknown> };
  });
}
