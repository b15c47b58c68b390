import type { FileMppProvenance } from './mpp-provenance.ts';
import type { AssociatedImageKind } from './associated-image-kind.ts';
/** One resolution level of a slide. Level 0 is full resolution; later levels are smaller. */
export interface SlideLevel {
  widthPx: number;
  heightPx: number;
  /** Level-0 pixels per pixel of this level (1 for level 0, ~4 for a 4× reduced level). */
  downsample: number;
}

/**
 * What a file holds, decided from its bytes, never its extension.
 * - `aperio-svs`: Aperio TIFF (JPEG tiles through sharp; JPEG 2000 tiles through OpenSlide).
 * - `pyramidal-tiff`: several pages that are reduced copies of page 0; `tiff`: one level only.
 * - `ome-tiff`: OME-XML in the first page's description; the pyramid in its SubIFDs.
 * - `dicom-wsi`: DICOM VL Whole Slide Microscopy, one file or a folder of instances (one series).
 * - `hamamatsu-ndpi`, `hamamatsu-vms`, `mirax`, `leica-scn`, `ventana-bif`, `philips-tiff`:
 *   vendor formats read through OpenSlide (`libopenslide0`), refused clearly without it.
 * - `png`, `jpeg`: plain images, decoded whole.
 */
export type SlideFormat = (typeof slideFormats)[number];

export const slideFormats = [
  'aperio-svs',
  'pyramidal-tiff',
  'tiff',
  'ome-tiff',
  'dicom-wsi',
  'hamamatsu-ndpi',
  'hamamatsu-vms',
  'mirax',
  'leica-scn',
  'ventana-bif',
  'philips-tiff',
  'png',
  'jpeg',
] as const;

/** Which implementation reads a slide: libvips (sharp), our DICOM reader (files; a DICOMweb server), or OpenSlide. */
export type SlideReaderKind = 'sharp' | 'dicom' | 'dicomweb' | 'openslide';

export interface SlideProperties {
  format: SlideFormat;
  /** The implementation behind this reader. */
  reader: SlideReaderKind;
  /**
   * Every file the slide's pixels and metadata come from, absolute paths, sorted: one for most
   * formats; the instances of a DICOM series; a MIRAX `.mrxs` and its folder's files. Hash these
   * (not just the opened path) to recognise the same slide again.
   */
  files: string[];
  /** Scanner vendor when the file says so (`'aperio'`), else null. */
  vendor: string | null;
  /** Resolution levels, largest first: `levels[0]` is full resolution, downsamples increase. */
  levels: SlideLevel[];
  /** Micrometres per level-0 pixel along x / y; null when the file records none (or an implausible one). */
  mppX: number | null;
  mppY: number | null;
  /** Where `mppX`/`mppY` came from in the file; null when there is no MPP. */
  mppProvenance: FileMppProvenance | null;
  /** Scanning objective magnification (20, 40); null when unknown. */
  objectivePower: number | null;
  /**
   * The extra pictures in the file, named in the shared vocabulary (`associated-image-kind.ts`:
   * label, macro, overview, thumbnail). Listed only; the label can carry patient identifiers, so
   * nothing reads it unless a caller asks by name.
   */
  associatedImages: AssociatedImageKind[];
}

/** Pixels in row-major height × width × 3 order (RGB, uint8), no padding between rows. */
export interface RgbImage {
  data: Buffer;
  widthPx: number;
  heightPx: number;
}

/** A rectangle to read. Position in level-0 pixels; size in pixels of `level`. */
export interface SlideRegion {
  /** Index into `properties.levels`. */
  level: number;
  /** Top-left corner in level-0 pixels (integers; may lie outside the image). */
  xLevel0: number;
  yLevel0: number;
  /** Size of the returned image, in pixels of `level` (positive integers). */
  widthPx: number;
  heightPx: number;
}

/**
 * Read access to one slide file. The rest of PathLens sees only this interface.
 *
 * @example
 * const slide = await openSlide('/data/CMU-1.svs');
 * const patch = await slide.readRegion({ level: 0, xLevel0: 1024, yLevel0: 2048, widthPx: 224, heightPx: 224 });
 * await slide.close();
 */
export interface SlideReader {
  readonly properties: SlideProperties;
  /**
   * RGB pixels of a region, exactly `widthPx × heightPx`. Parts outside the image are white
   * (so are transparent pixels). Throws `invalid_request` for a bad level or size.
   */
  readRegion(region: SlideRegion): Promise<RgbImage>;
  /**
   * The whole slide, scaled to fit `maxSizePx` on its long side (never enlarged), with the
   * aspect ratio of level 0; read from the smallest stored level that is large enough.
   */
  readThumbnail(maxSizePx: number): Promise<RgbImage>;
  /** One of `properties.associatedImages` at its stored size; `not_found` for another name. */
  readAssociatedImage(name: string): Promise<RgbImage>;
  /** Frees what the reader holds; later reads throw. Safe to call twice. */
  close(): Promise<void>;
}
