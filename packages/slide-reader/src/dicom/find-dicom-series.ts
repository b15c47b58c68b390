import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import { unsupportedFileError } from '../file-signature.ts';
import { describeDicomInstance, wholeSlideSopClassUid, type DicomInstance } from './dicom-instance.ts';
import { readDicomHeader } from './read-dicom-header.ts';

/** The instances of one whole-slide series (levels, label, overview, thumbnail). */
export interface DicomSeries {
  seriesInstanceUid: string;
  instances: DicomInstance[];
}

/** A folder of more files than this is not a slide's instances; it is refused rather than scanned. */
const maxFolderEntries = 5000;

/**
 * The whole-slide series `slidePath` belongs to. A file: that file's series, gathered from the
 * DICOM files beside it (same Series Instance UID). A folder: the one whole-slide series in it.
 * Files are recognised by content (`DICM` at byte 128), whatever their names. Other DICOM
 * objects (CT, structured reports, …) are ignored. Throws `unsupported_format` (no whole-slide
 * instances), `invalid_request` (a folder holding several series) or `corrupt_file`.
 */
export async function findDicomSeries(slidePath: string): Promise<DicomSeries> {
  const absolute = path.resolve(slidePath);
  const isDirectory = (await stat(absolute)).isDirectory();
  if (!isDirectory) {
    const chosen = describeDicomInstance(await readDicomHeader(absolute, (await stat(absolute)).size));
    if (chosen.sopClassUid !== wholeSlideSopClassUid) {
      throw unsupportedFileError(
        absolute,
        `a DICOM file but not a whole-slide microscopy image (SOP class ${chosen.sopClassUid ?? 'missing'})`,
        {
          sopClassUid: chosen.sopClassUid,
        },
      );
    }
    if (!chosen.seriesInstanceUid) return { seriesInstanceUid: '', instances: [chosen] };
    const siblings = await readWholeSlideInstances(path.dirname(absolute), new Set([absolute]));
    return {
      seriesInstanceUid: chosen.seriesInstanceUid,
      instances: [chosen, ...siblings.filter((instance) => instance.seriesInstanceUid === chosen.seriesInstanceUid)],
    };
  }

  const instances = await readWholeSlideInstances(absolute, new Set());
  const bySeries = new Map<string, DicomInstance[]>();
  for (const instance of instances) {
    const uid = instance.seriesInstanceUid ?? '';
    bySeries.set(uid, [...(bySeries.get(uid) ?? []), instance]);
  }
  if (bySeries.size === 0) {
    throw unsupportedFileError(
      absolute,
      'a folder with no DICOM whole-slide microscopy instances (and no MIRAX slide)',
    );
  }
  if (bySeries.size > 1) {
    throw new PathLensError(
      'invalid_request',
      `${absolute} holds ${bySeries.size} whole-slide series (${[...bySeries.keys()].join(', ')}). Pass one file of the series you want, or put each series in its own folder.`,
      { path: absolute, seriesInstanceUids: [...bySeries.keys()] },
    );
  }
  const [seriesInstanceUid, members] = [...bySeries][0]!;
  return { seriesInstanceUid, instances: members };
}

/** Whole-slide instances among the files of a folder (not recursing), skipping `exclude`. */
async function readWholeSlideInstances(directory: string, exclude: Set<string>): Promise<DicomInstance[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  if (entries.length > maxFolderEntries) {
    throw new PathLensError(
      'invalid_request',
      `${directory} has ${entries.length} entries; a slide's folder should hold only its own instances. Move the slide into a folder of its own.`,
      {
        path: directory,
      },
    );
  }
  const instances: DicomInstance[] = [];
  for (const entry of entries.sort((first, second) => first.name.localeCompare(second.name))) {
    const filePath = path.join(directory, entry.name);
    if (!entry.isFile() || entry.name.startsWith('.') || exclude.has(filePath)) continue;
    const fileSizeBytes = await hasDicomPreamble(filePath);
    if (fileSizeBytes === null) continue;
    const instance = describeDicomInstance(await readDicomHeader(filePath, fileSizeBytes));
    if (instance.sopClassUid === wholeSlideSopClassUid) instances.push(instance);
  }
  return instances;
}

/** The file's size when it starts like a DICOM Part 10 file, else null. */
async function hasDicomPreamble(filePath: string): Promise<number | null> {
  const handle = await open(filePath, 'r');
  try {
    const head = Buffer.alloc(132);
    const { bytesRead } = await handle.read(head, 0, 132, 0);
    if (bytesRead < 132 || head.toString('latin1', 128, 132) !== 'DICM') return null;
    return (await handle.stat()).size;
  } finally {
    await handle.close();
  }
}
