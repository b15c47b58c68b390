import { PathLensError } from '@pathlens/core';
import { openDicomWebSlide } from './dicomweb/open-dicomweb-slide.ts';
import type { DicomWebServers } from './dicomweb/dicomweb-servers.ts';
import { openSlide, type OpenSlideOptions } from './open-slide.ts';
import type { SlideReader } from './slide-reader.ts';
import { defaultSlideSizeLimits } from './slide-size-limits.ts';

/** Where a slide's pixels come from: a file on the server, or a series on a DICOMweb server. */
export type SlideSourceKind = 'file' | 'dicomweb';

/** What a slide row records about its source: `filePath` is a path, or for DICOMweb a `dicomWebLocation`. */
export interface SlideSourceRecord {
  source: SlideSourceKind;
  filePath: string;
}

/** Opens the slide a row describes; a DICOMweb slide is read from its server again each time it is opened. */
export type SlideOpener = (slide: SlideSourceRecord) => Promise<SlideReader>;

const locationPattern = /^dicomweb:([a-z0-9-]+)\/studies\/([0-9.]+)\/series\/([0-9.]+)$/;

/** The text a DICOMweb slide keeps as its location: `dicomweb:<endpoint>/studies/<uid>/series/<uid>`. */
export function dicomWebLocation(endpoint: string, studyInstanceUid: string, seriesInstanceUid: string): string {
  return `dicomweb:${endpoint}/studies/${studyInstanceUid}/series/${seriesInstanceUid}`;
}

export function parseDicomWebLocation(location: string): {
  endpoint: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
} {
  const match = locationPattern.exec(location);
  if (!match)
    throw new PathLensError(
      'internal_error',
      `"${location}" is not a DICOMweb slide location (dicomweb:<endpoint>/studies/<uid>/series/<uid>).`,
    );
  return { endpoint: match[1]!, studyInstanceUid: match[2]!, seriesInstanceUid: match[3]! };
}

/**
 * A `SlideOpener` for files (`openSlide`) and the configured DICOMweb servers.
 *
 * @example
 * const open = slideOpener(DicomWebServers.fromSettings(config));
 * const reader = await open(slideRow);
 */
export function slideOpener(servers: DicomWebServers | null, options: OpenSlideOptions = {}): SlideOpener {
  return async (slide) => {
    if (slide.source === 'file') return openSlide(slide.filePath, options);
    const location = parseDicomWebLocation(slide.filePath);
    if (!servers)
      throw new PathLensError(
        'invalid_config',
        `Slide ${slide.filePath} is on a DICOMweb server, but this process has none configured. Set ` +
          `DICOMWEB_ENDPOINTS.`,
      );
    const limits = {
      maxSideLengthPx: options.maxSideLengthPx ?? defaultSlideSizeLimits.maxSideLengthPx,
      maxDecodedPixels: options.maxDecodedPixels ?? defaultSlideSizeLimits.maxDecodedPixels,
    };
    return openDicomWebSlide(servers.client(location.endpoint), location, limits);
  };
}

/** Files only: what code that was not handed an opener uses. */
export const fileSlideOpener: SlideOpener = slideOpener(null);
