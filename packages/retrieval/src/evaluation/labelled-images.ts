import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import type { RejectedRow } from './evaluate-retrieval.ts';
import { resolveImageReference, type ImageReference } from './image-reference.ts';
import { firstColumn, readTableRows } from './table-rows.ts';

export interface LabelledImage {
  image: ImageReference;
  /** As written in the data: a sub-folder name, a file-name prefix, or a CSV cell. */
  label: string;
  /** Where it came from, for reports: a path, or `file.csv:line`. */
  origin: string;
}

const imageExtensions = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.webp']);
/** CSV columns tried for the image (first one naming an existing file wins) and the label. */
export const labelledImageColumns = ['path', 'image', 'image_path', 'file', 'filename', 'file_name', 'fname'] as const;
export const labelColumns = ['label', 'class', 'class_name', 'target'] as const;

/**
 * Images with their true labels, for zero-shot evaluation:
 * - a folder: images in sub-folders take the sub-folder's name as label (`LYM/x.png` → LYM);
 *   images directly inside take their file-name prefix, up to the first `-` or `_`
 *   (`ADI-TCGA-EENSRDNW.png` → ADI, as CRC-VAL-HE-7K names them);
 * - a `.csv`/`.tsv`/`.jsonl` file with an image column and a label column; images relative to it.
 *   Several image columns may be present; the first that names an existing file is used.
 *
 * @example
 * const { images, rejected } = await listLabelledImages('../shared/data/patches/crc-val-he-7k-32');
 */
export async function listLabelledImages(
  source: string,
): Promise<{ images: LabelledImage[]; rejected: RejectedRow[] }> {
  const info = await stat(source).catch(() => null);
  if (!info)
    throw new PathLensError(
      'invalid_request',
      `${source} does not exist: give a folder of images or a CSV of path,label.`,
      { source },
    );
  if (info.isDirectory()) return { images: await listFolder(source), rejected: [] };
  return listTable(source);
}

async function listFolder(folder: string): Promise<LabelledImage[]> {
  const images: LabelledImage[] = [];
  const entries = (await readdir(folder, { withFileTypes: true })).sort((left, right) =>
    left.name.localeCompare(right.name),
  );
  for (const entry of entries) {
    const entryPath = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      const inner = (await readdir(entryPath, { withFileTypes: true }))
        .filter((file) => file.isFile() && isImageName(file.name))
        .map((file) => file.name)
        .sort();
      for (const name of inner)
        images.push({
          image: { file: path.join(entryPath, name) },
          label: entry.name,
          origin: path.join(entryPath, name),
        });
    } else if (entry.isFile() && isImageName(entry.name)) {
      const label = entry.name.slice(0, path.basename(entry.name, path.extname(entry.name)).search(/[-_]|$/));
      images.push({ image: { file: entryPath }, label, origin: entryPath });
    }
  }
  return images;
}

async function listTable(file: string): Promise<{ images: LabelledImage[]; rejected: RejectedRow[] }> {
  const images: LabelledImage[] = [];
  const rejected: RejectedRow[] = [];
  const baseDirectory = path.dirname(path.resolve(file));
  for await (const row of readTableRows(file)) {
    if (row.error) {
      rejected.push({ line: row.line, reason: row.error });
      continue;
    }
    const label = firstColumn(row.values, labelColumns);
    if (!label) {
      rejected.push({ line: row.line, reason: `no label (columns tried: ${labelColumns.join(', ')})` });
      continue;
    }
    let reference: ImageReference | undefined;
    let lastReason = `no image column (tried: ${labelledImageColumns.join(', ')})`;
    for (const column of labelledImageColumns) {
      const value = firstColumn(row.values, [column]);
      if (!value) continue;
      const resolved = await resolveImageReference(value.value, baseDirectory);
      if ('reason' in resolved) lastReason = resolved.reason;
      else {
        reference = resolved;
        break;
      }
    }
    if (reference) images.push({ image: reference, label: label.value, origin: `${file}:${row.line}` });
    else rejected.push({ line: row.line, reason: lastReason });
  }
  return { images, rejected };
}

function isImageName(name: string): boolean {
  return !name.startsWith('.') && imageExtensions.has(path.extname(name).toLowerCase());
}
