import type { RecordReader } from '../source-record.ts';
import { readLineRecords } from './line-records.ts';

/**
 * Stream `id<TAB>caption` lines (PathVQA's PEIR caption file): fields `id` and `caption`.
 * Blank lines are skipped; a line without a tab is reported.
 */
export function readIdCaptionRecords(filePath: string): Promise<RecordReader> {
  return readLineRecords(filePath, (text) => {
    const tab = text.indexOf('\t');
    if (tab < 0) return { error: 'expected `id<TAB>caption`; this line has no tab' };
    return { fields: { id: text.slice(0, tab).trim(), caption: text.slice(tab + 1) } };
  });
}
