import { opendir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import type { ImportFormat } from './import-format.ts';

/** What each import shape reads, for messages. */
export const importShapeDescriptions: Record<ImportFormat, string> = {
  csv: 'csv (a header row with a caption column, then rows)',
  tsv: 'tsv (the same, tab-separated)',
  jsonl: 'jsonl (one JSON object per line)',
  json: 'json (an array of row objects, or an object keyed by id)',
  'id-caption': 'id-caption (`id<TAB>caption` lines)',
  folder: 'folder (images with same-name .txt captions)',
};

const reportExtensions = new Set(['.md', '.markdown', '.txt', '.rtf', '.docx', '.pdf']);

/** Files directly in a folder by extension (lower case), e.g. `{ '.md': 12 }`. */
async function extensionCounts(folder: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const entry of await opendir(folder)) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const extension = path.extname(entry.name).toLowerCase() || '(no extension)';
    counts.set(extension, (counts.get(extension) ?? 0) + 1);
  }
  return counts;
}

/**
 * The failure of an import that read no rows at all: it names the shape it read the input as,
 * the shapes PathLens reads, and, for a folder of reports (markdown, plain text) with no
 * images, says that a report is not an image caption and how to bring its text in.
 */
export async function emptyImportError(
  target: string,
  format: ImportFormat,
  displayName = path.basename(target),
): Promise<PathLensError> {
  const shapes = Object.values(importShapeDescriptions).join('; ');
  let found = '';
  let advice = 'Check that the file has rows after its header, or give --format explicitly.';
  if ((await stat(target)).isDirectory()) {
    const counts = await extensionCounts(target);
    found = counts.size
      ? ` It holds ${[...counts].map(([extension, count]) => `${count} ${extension}`).join(', ')} file(s) and no image with a same-name .txt caption.`
      : ' It is empty.';
    const reports = [...counts.keys()].filter((extension) => reportExtensions.has(extension) && extension !== '.txt');
    if (reports.length || (counts.has('.txt') && counts.size === 1)) {
      advice =
        'Pathology reports without images are not library pairs: a pair is an image and its caption. ' +
        'To cite report text, put each report’s key sentence in a CSV with a caption column (and image_path where there is an image), or store drafts with POST /v1/reports.';
    }
  }
  return new PathLensError(
    'invalid_request',
    `Read 0 rows from ${displayName} as ${importShapeDescriptions[format]}.${found} PathLens imports: ${shapes}. ${advice}`,
    {
      param: 'path',
      format,
      rowsRead: 0,
    },
  );
}
