import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import { readCsvRecords } from './readers/csv-records.ts';
import { readFolderRecords } from './readers/folder-records.ts';
import { readIdCaptionRecords } from './readers/id-caption-records.ts';
import { firstCharacter, readJsonRecords } from './readers/json-records.ts';
import { readJsonlRecords } from './readers/jsonl-records.ts';
import type { RecordReader } from './source-record.ts';

/**
 * The containers an import reads. Which fields hold the image, caption or question/answer is
 * found per row from their names (see `record-fields.ts`), so one container serves several
 * public dataset shapes:
 * - `csv` / `tsv`: a header row, then rows (OpenPath/Quilt-style `image_path,caption`; Q/A columns).
 * - `jsonl`: one JSON object per line (same field names as CSV columns).
 * - `json`: one document: an array of row objects (PathVQA's Image_ID/Questions/Answers) or
 *   an object keyed by id (ARCH's `captions.json`: id → caption, or id → {caption, uuid}).
 * - `id-caption`: `id<TAB>caption` lines, no header (PathVQA's PEIR caption file).
 * - `folder`: images with same-name `.txt` captions.
 */
export const importFormats = ['csv', 'tsv', 'jsonl', 'json', 'id-caption', 'folder'] as const;
export type ImportFormat = (typeof importFormats)[number];

const formatByExtension: Record<string, ImportFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'json',
  '.txt': 'id-caption',
};

/**
 * Decide the format: a directory is `folder`; otherwise by extension (`.csv`, `.tsv`,
 * `.jsonl`/`.ndjson`, `.json`, `.txt` → id-caption), except that a `.json` file whose first
 * two lines are each a whole JSON object is JSON Lines. An unknown extension is sniffed: `[`
 * → json, `{` → jsonl or json as above, a tab in the first line → tsv, else csv.
 */
export async function detectImportFormat(target: string): Promise<ImportFormat> {
  const info = await stat(target);
  if (info.isDirectory()) return 'folder';
  const byExtension = formatByExtension[path.extname(target).toLowerCase()];
  if (byExtension && byExtension !== 'json') return byExtension;
  const first = await firstCharacter(target);
  if (first === '[') return 'json';
  if (first === '{') return (await firstLinesAreObjects(target)) ? 'jsonl' : 'json';
  if (byExtension === 'json') return 'json';
  const [firstLine] = await firstLines(target, 1);
  return firstLine?.includes('\t') && !firstLine.includes(',') ? 'tsv' : 'csv';
}

/** Open the records of `target` read as `format`. A folder given with a file format (or the reverse) is refused. */
export async function openRecordReader(target: string, format: ImportFormat): Promise<RecordReader> {
  const isDirectory = (await stat(target)).isDirectory();
  if (isDirectory !== (format === 'folder')) {
    throw new PathLensError(
      'invalid_request',
      isDirectory
        ? `${target} is a folder: import it as --format folder (images with same-name .txt captions), or name a file inside it.`
        : `${target} is a file; --format folder needs a folder of images with same-name .txt captions.`,
      { param: 'format' },
    );
  }
  switch (format) {
    case 'csv':
      return readCsvRecords(target, { delimiter: ',' });
    case 'tsv':
      return readCsvRecords(target, { delimiter: '\t' });
    case 'jsonl':
      return readJsonlRecords(target);
    case 'json':
      return readJsonRecords(target);
    case 'id-caption':
      return readIdCaptionRecords(target);
    case 'folder':
      return readFolderRecords(target);
  }
}

async function firstLinesAreObjects(filePath: string): Promise<boolean> {
  const lines = await firstLines(filePath, 2);
  if (lines.length < 2) return false;
  return lines.every((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    } catch {
      return false;
    }
  });
}

/** Up to `count` non-blank lines from the first 64 kB. */
async function firstLines(filePath: string, count: number): Promise<string[]> {
  const handle = await open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(65_536);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const lines = buffer
      .subarray(0, bytesRead)
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .split(/\r?\n/);
    // The last piece may be cut off mid-line unless the whole file fitted.
    if (bytesRead === buffer.length) lines.pop();
    return lines
      .map((line) => line.trim())
      .filter(Boolean)
      .slice(0, count);
  } finally {
    await handle.close();
  }
}
