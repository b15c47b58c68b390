import { sniffFile } from './file-signature.ts';
import type { SlideFormat } from './slide-reader.ts';
import { describeTiffSlide } from './tiff/describe-tiff-slide.ts';
import { readTiffPages } from './tiff/read-tiff-pages.ts';

/**
 * The format of a slide file, from its first bytes and (for TIFF) its page tags; the file
 * name plays no part. TIFF and BigTIFF become `aperio-svs` (IFD0 description starts "Aperio"),
 * `pyramidal-tiff` (pages that are reduced copies of page 0) or `tiff`.
 * Throws `not_found`, `unsupported_format` or `corrupt_file` as `openSlide` does; decodes no pixels.
 *
 * @example
 * await detectSlideFormat('/data/scan.bin'); // 'aperio-svs'
 */
export async function detectSlideFormat(filePath: string): Promise<SlideFormat> {
  const sniffed = await sniffFile(filePath);
  if (sniffed.signature === 'png' || sniffed.signature === 'jpeg') return sniffed.signature;
  return describeTiffSlide(await readTiffPages(filePath, sniffed.fileSizeBytes)).format;
}
