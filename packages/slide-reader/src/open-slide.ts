import { sniffFile } from './file-signature.ts';
import { openSharpSlide } from './sharp/open-sharp-slide.ts';
import type { SlideReader } from './slide-reader.ts';
import { defaultSlideSizeLimits, type SlideSizeLimits } from './slide-size-limits.ts';

export type OpenSlideOptions = Partial<SlideSizeLimits>;

/**
 * Opens a slide (Aperio SVS, pyramidal or plain TIFF/BigTIFF, PNG, JPEG), recognised by its
 * bytes rather than its extension. Reads the tags and decodes one pixel of each level, so
 * problems surface here:
 * - `not_found`: no such file;
 * - `unsupported_format`: another kind of file (the message lists what is supported), or
 *   JPEG 2000 tiles;
 * - `corrupt_file`: truncated or damaged (the message says what is wrong);
 * - `slide_too_large`: a declared side over `maxSideLengthPx` (default 200,000), or a
 *   PNG/JPEG over `maxDecodedPixels` (default 100 M; these are decoded whole).
 *
 * @example
 * const slide = await openSlide('/data/CMU-1.svs');
 * slide.properties.mppX; // 0.499
 * const thumbnail = await slide.readThumbnail(1024);
 * await slide.close();
 */
export async function openSlide(filePath: string, options: OpenSlideOptions = {}): Promise<SlideReader> {
  const limits: SlideSizeLimits = {
    maxSideLengthPx: options.maxSideLengthPx ?? defaultSlideSizeLimits.maxSideLengthPx,
    maxDecodedPixels: options.maxDecodedPixels ?? defaultSlideSizeLimits.maxDecodedPixels,
  };
  return openSharpSlide(filePath, await sniffFile(filePath), limits);
}
