import { PathLensError } from '@pathlens/core';
import { openDicomSlide } from './dicom/open-dicom-slide.ts';
import { identifySlide } from './identify-slide.ts';
import { openOpenSlideSlide } from './openslide/open-openslide-slide.ts';
import { openSharpSlide } from './sharp/open-sharp-slide.ts';
import type { SlideReader, SlideReaderKind } from './slide-reader.ts';
import { defaultSlideSizeLimits, type SlideSizeLimits } from './slide-size-limits.ts';

export interface OpenSlideOptions extends Partial<SlideSizeLimits> {
  /**
   * OpenSlide shared library to load: undefined tries `libopenslide.so.0` (Debian's
   * libopenslide0) and then OpenSlide 4's names; null never uses OpenSlide (its formats then
   * fail with `unsupported_format` saying what to install).
   */
  openSlideLibrary?: string | null;
  /**
   * Read with this implementation instead of the one chosen by content. Only `'openslide'`
   * widens what opens (any file OpenSlide reads, for comparing readers); asking for a reader
   * that cannot read the file throws `unsupported_format`.
   */
  reader?: SlideReaderKind;
}

/**
 * Opens a slide, recognised by its bytes rather than its extension: Aperio SVS, pyramidal or
 * plain TIFF/BigTIFF, OME-TIFF (SubIFD pyramids), PNG and JPEG through sharp; DICOM whole-slide
 * images (one file of the series, or its folder) through the DICOM reader; Hamamatsu NDPI/VMS,
 * MIRAX (the .mrxs or its folder), Leica SCN, Ventana BIF, Philips TIFF and JPEG 2000 SVS through
 * OpenSlide when `libopenslide0` is installed. Reads the tags and decodes a little of each
 * level, so problems surface here:
 * - `not_found`: no such file or folder;
 * - `unsupported_format`: another kind of file (the message lists what is supported), or an
 *   OpenSlide format without the library (the message says what to install);
 * - `corrupt_file`: truncated or damaged (the message says what is wrong);
 * - `slide_too_large`: a declared side over `maxSideLengthPx` (default 200,000), or an image
 *   decoded whole (PNG/JPEG, a DICOM frame) over `maxDecodedPixels` (default 100 M).
 *
 * @example
 * const slide = await openSlide('/data/CMU-1.svs');
 * slide.properties.mppX; // 0.499
 * const thumbnail = await slide.readThumbnail(1024);
 * await slide.close();
 */
export async function openSlide(slidePath: string, options: OpenSlideOptions = {}): Promise<SlideReader> {
  const limits: SlideSizeLimits = {
    maxSideLengthPx: options.maxSideLengthPx ?? defaultSlideSizeLimits.maxSideLengthPx,
    maxDecodedPixels: options.maxDecodedPixels ?? defaultSlideSizeLimits.maxDecodedPixels,
  };
  const target = await identifySlide(slidePath);
  if (options.reader === 'openslide' && target.reader !== 'openslide') {
    const files = target.reader === 'sharp' ? [target.filePath] : [slidePath];
    return openOpenSlideSlide({ format: null, openPath: files[0]!, files }, limits, options.openSlideLibrary);
  }
  if (options.reader !== undefined && options.reader !== target.reader) {
    throw new PathLensError(
      'unsupported_format',
      `${slidePath} is read by the ${target.reader} reader; the ${options.reader} reader cannot read it.`,
      {
        path: slidePath,
        reader: options.reader,
      },
    );
  }
  switch (target.reader) {
    case 'sharp':
      return openSharpSlide(target.filePath, target.sniffed, limits);
    case 'dicom':
      return openDicomSlide(target.slidePath, limits);
    case 'openslide':
      return openOpenSlideSlide(target, limits, options.openSlideLibrary);
  }
}
