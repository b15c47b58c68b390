import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PathLensError } from '@pathlens/core';
import { sniffFile, unsupportedFileError, type SniffedFile } from './file-signature.ts';
import { findMiraxSlide, isSlidedatIni } from './openslide/mirax-slide.ts';
import type { OpenSlideTarget } from './openslide/open-openslide-slide.ts';
import { readFirstTiffPage } from './tiff/read-tiff-pages.ts';
import { vendorTiffFormat } from './tiff/vendor-tiff-format.ts';

/** Which reader a path goes to, decided from contents (magic bytes, tags, INI sections). */
export type SlideTarget =
  | { reader: 'sharp'; filePath: string; sniffed: SniffedFile }
  | { reader: 'dicom'; slidePath: string }
  | ({ reader: 'openslide' } & OpenSlideTarget);

/**
 * Decides how to open `slidePath`:
 * - a folder: a DICOM series (files with `DICM` at byte 128) or a MIRAX slide folder;
 * - a MIRAX `.mrxs` (its folder holds a Slidedat.ini with `[GENERAL]`/`SLIDE_ID`) → OpenSlide;
 * - DICOM Part 10 → the DICOM reader;
 * - INI text: Hamamatsu VMS → OpenSlide; a Slidedat.ini → its MIRAX slide;
 * - TIFF: NDPI, Leica SCN, Ventana BIF, Philips, JPEG 2000 SVS (first-page tags) → OpenSlide;
 *   every other TIFF, PNG and JPEG → sharp.
 * Throws `not_found`, `unsupported_format` or `corrupt_file`.
 */
export async function identifySlide(slidePath: string): Promise<SlideTarget> {
  const stats = await stat(slidePath).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') {
      throw new PathLensError(
        'not_found',
        `Slide file not found: ${slidePath}. Check the path.`,
        { path: slidePath },
        { cause: error },
      );
    }
    throw error;
  });

  const mirax = await findMiraxSlide(slidePath);
  if (mirax) return { reader: 'openslide', format: 'mirax', openPath: mirax.mrxsPath, files: mirax.files };

  if (stats.isDirectory()) {
    const names = await readdir(slidePath);
    if (names.includes('Slidedat.ini')) {
      throw new PathLensError(
        'unsupported_format',
        `${slidePath} looks like a MIRAX slide folder, but the .mrxs file that goes with it (${path.resolve(slidePath)}.mrxs) is missing. Copy the .mrxs file next to the folder.`,
        { path: slidePath, format: 'mirax' },
      );
    }
    return { reader: 'dicom', slidePath };
  }

  const sniffed = await sniffFile(slidePath);
  const absolute = path.resolve(slidePath);
  switch (sniffed.signature) {
    case 'dicom':
      return { reader: 'dicom', slidePath };
    case 'ini': {
      const text = sniffed.head.toString('utf8');
      if (/^\uFEFF?\s*\[(Uncompressed )?Virtual Microscope Specimen\]/.test(text)) {
        return { reader: 'openslide', format: 'hamamatsu-vms', openPath: absolute, files: [absolute] };
      }
      if (isSlidedatIni(text)) {
        throw new PathLensError(
          'unsupported_format',
          `${slidePath} is a MIRAX Slidedat.ini, but the .mrxs file beside its folder is missing. Pass the .mrxs file, with its folder next to it.`,
          { path: slidePath, format: 'mirax' },
        );
      }
      throw unsupportedFileError(slidePath, 'a text (INI) file that is no slide format PathLens knows');
    }
    case 'tiff':
    case 'bigtiff': {
      const format = vendorTiffFormat(await readFirstTiffPage(slidePath, sniffed.fileSizeBytes));
      if (format) return { reader: 'openslide', format, openPath: absolute, files: [absolute] };
      return { reader: 'sharp', filePath: slidePath, sniffed };
    }
    default:
      return { reader: 'sharp', filePath: slidePath, sniffed };
  }
}
