/**
 * Where a file's level-0 pixel size came from:
 * - `pixel_spacing`: DICOM Pixel Spacing (0028,0030) of the full-resolution image;
 * - `imaged_volume`: DICOM Imaged Volume Width/Height divided by the image size (derived: the
 *   volume is often the scanned area, not the image's, so it is checked before it is trusted);
 * - `scanner_metadata`: the scanner's own field (Aperio `MPP`, OpenSlide `openslide.mpp-x/y`);
 * - `ome_physical_size`: OME-XML PhysicalSizeX/Y;
 * - `tiff_resolution`: TIFF X/YResolution with a unit;
 * - `image_density`: a plain image's density (PNG pHYs, JPEG JFIF).
 */
export const fileMppProvenances = [
  'pixel_spacing',
  'imaged_volume',
  'scanner_metadata',
  'ome_physical_size',
  'tiff_resolution',
  'image_density',
] as const;

export type FileMppProvenance = (typeof fileMppProvenances)[number];

/** Provenances computed from other quantities rather than stated as a pixel size: trusted only when plausible. */
export const derivedMppProvenances: ReadonlySet<FileMppProvenance> = new Set(['imaged_volume']);
