import type { TiffPage } from './read-tiff-pages.ts';
import { isAperioDescription } from './aperio-description.ts';

/** TIFF-based vendor formats that OpenSlide reads and libvips does not. */
export type VendorTiffFormat = 'hamamatsu-ndpi' | 'leica-scn' | 'ventana-bif' | 'philips-tiff' | 'aperio-svs';

/** Hamamatsu's private tags start here (65420 NDPI format flag, 65421 source lens, …). */
const firstNdpiTag = 65420;

/** Aperio's JPEG 2000 TIFF compressions (YCbCr and RGB). */
const aperioJpeg2000Compressions = new Set([33003, 33005]);

/**
 * Recognises a vendor TIFF from its first page's tags, the way OpenSlide does:
 * - NDPI: Hamamatsu's private tags (65420 and up);
 * - Leica SCN: an XML description in the `leica-microsystems.com/scn` namespace;
 * - Ventana BIF: an XMP packet with an `iScan` element;
 * - Philips TIFF: an XML description whose DataObject is `DPUfsImport`;
 * - Aperio SVS with JPEG 2000 tiles (compression 33003/33005): Aperio but not decodable by libvips.
 * Returns null for every other TIFF (sharp reads those).
 */
export function vendorTiffFormat(firstPage: TiffPage): VendorTiffFormat | null {
  if (firstPage.tagNumbers.some((tag) => tag >= firstNdpiTag && tag <= firstNdpiTag + 40)) return 'hamamatsu-ndpi';
  const description = firstPage.description ?? '';
  if (description.includes('leica-microsystems.com/scn')) return 'leica-scn';
  if (firstPage.xmp?.includes('iScan')) return 'ventana-bif';
  if (description.startsWith('<?xml') && description.includes('DPUfsImport')) return 'philips-tiff';
  if (isAperioDescription(firstPage.description) && aperioJpeg2000Compressions.has(firstPage.compression))
    return 'aperio-svs';
  return null;
}
