import { findDicomSeries } from './dicom/find-dicom-series.ts';
import { identifySlide } from './identify-slide.ts';
import type { SlideFormat } from './slide-reader.ts';
import { describeTiffSlide } from './tiff/describe-tiff-slide.ts';
import { readTiffPages } from './tiff/read-tiff-pages.ts';

/**
 * The format of a slide (file or folder), from its bytes and tags; the file name plays no
 * part. TIFF and BigTIFF become `aperio-svs` (IFD0 description starts "Aperio"), `ome-tiff`
 * (OME-XML), `pyramidal-tiff` (pages that are reduced copies of page 0), `tiff`, or a vendor
 * format OpenSlide reads (`hamamatsu-ndpi`, `leica-scn`, …); DICOM whole-slide series become
 * `dicom-wsi`. Needs no OpenSlide and decodes no pixels. Throws `not_found`,
 * `unsupported_format` or `corrupt_file` as `openSlide` does.
 *
 * @example
 * await detectSlideFormat('/data/scan.bin'); // 'aperio-svs'
 */
export async function detectSlideFormat(slidePath: string): Promise<SlideFormat> {
  const target = await identifySlide(slidePath);
  switch (target.reader) {
    case 'openslide':
      return target.format ?? 'pyramidal-tiff';
    case 'dicom':
      await findDicomSeries(target.slidePath);
      return 'dicom-wsi';
    case 'sharp': {
      const { signature, fileSizeBytes } = target.sniffed;
      if (signature === 'png' || signature === 'jpeg') return signature;
      return describeTiffSlide(await readTiffPages(target.filePath, fileSizeBytes), target.filePath).format;
    }
  }
}
