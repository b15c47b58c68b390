import type { DicomAttributes } from './dicom-attributes.ts';
import type { DicomHeader } from './read-dicom-header.ts';
import type { TransferSyntax } from './transfer-syntax.ts';

/** SOP Class UID of VL Whole Slide Microscopy Image Storage. */
export const wholeSlideSopClassUid = '1.2.840.10008.5.1.4.1.1.77.1.6';

/** What a whole-slide instance is: a pyramid level (VOLUME) or an associated picture. */
export type DicomImageFlavor = 'VOLUME' | 'LABEL' | 'OVERVIEW' | 'THUMBNAIL' | 'OTHER';

/** One DICOM file summarised for slide reading. Sizes in pixels; positions 0-based. */
export interface DicomInstance {
  header: DicomHeader;
  sopClassUid: string | null;
  sopInstanceUid: string | null;
  seriesInstanceUid: string | null;
  instanceNumber: number | null;
  flavor: DicomImageFlavor;
  transferSyntax: TransferSyntax;
  /** One frame (tile): Columns × Rows. */
  tileWidthPx: number;
  tileHeightPx: number;
  /** The whole image: Total Pixel Matrix Columns × Rows (the frame size for an untiled image). */
  totalWidthPx: number;
  totalHeightPx: number;
  frameCount: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  /** 0: samples interleaved (RGBRGB…); 1: one plane per sample. */
  planarConfiguration: number;
  bitsAllocated: number;
  /** As written (TILED_FULL, TILED_SPARSE, 3D); null when the file omits it. */
  dimensionOrganizationType: string | null;
  /** Top-left of each frame in the total pixel matrix, from Plane Position (Slide); null when absent. */
  framePositions: Int32Array | null;
  /** Concatenation: instances splitting one image share the UID; frame numbers continue from the offset. */
  concatenationUid: string | null;
  concatenationFrameOffset: number;
  /** µm per pixel along x / y from Pixel Spacing (mm); null when absent. */
  mppX: number | null;
  mppY: number | null;
  /** `pixel_spacing` when the instance has Pixel Spacing, `imaged_volume` when derived from Imaged Volume Width/Height.
   *
   */
  mppProvenance: 'pixel_spacing' | 'imaged_volume' | null;
  objectivePower: number | null;
  manufacturer: string | null;
}

const tag = {
  imageType: 'x00080008',
  sopClassUid: 'x00080016',
  sopInstanceUid: 'x00080018',
  manufacturer: 'x00080070',
  seriesInstanceUid: 'x0020000e',
  instanceNumber: 'x00200013',
  concatenationUid: 'x00209161',
  concatenationFrameOffset: 'x00209228',
  dimensionOrganizationType: 'x00209311',
  samplesPerPixel: 'x00280002',
  photometricInterpretation: 'x00280004',
  planarConfiguration: 'x00280006',
  numberOfFrames: 'x00280008',
  rows: 'x00280010',
  columns: 'x00280011',
  pixelSpacing: 'x00280030',
  bitsAllocated: 'x00280100',
  pixelMeasuresSequence: 'x00289110',
  imagedVolumeWidth: 'x00480001',
  imagedVolumeHeight: 'x00480002',
  totalPixelMatrixColumns: 'x00480006',
  totalPixelMatrixRows: 'x00480007',
  opticalPathSequence: 'x00480105',
  objectiveLensPower: 'x00480112',
  planePositionSlideSequence: 'x0048021a',
  columnPositionInTotalImagePixelMatrix: 'x0048021e',
  rowPositionInTotalImagePixelMatrix: 'x0048021f',
  sharedFunctionalGroupsSequence: 'x52009229',
  perFrameFunctionalGroupsSequence: 'x52009230',
} as const;

/** Summarises a parsed header. Missing sizes come out as 0 for the caller to reject. */
export function describeDicomInstance(header: DicomHeader): DicomInstance {
  const { dataSet } = header;
  const imageType = (dataSet.string(tag.imageType) ?? '').split('\\').map((value) => value.trim().toUpperCase());
  const tileWidthPx = dataSet.uint16(tag.columns) ?? 0;
  const tileHeightPx = dataSet.uint16(tag.rows) ?? 0;
  const frameCount = dataSet.intString(tag.numberOfFrames) ?? 1;
  const perFrame = dataSet.elements[tag.perFrameFunctionalGroupsSequence]?.items ?? [];
  const shared = dataSet.elements[tag.sharedFunctionalGroupsSequence]?.items?.[0]?.dataSet;
  const spacing = pixelSpacingMm(shared) ?? pixelSpacingMm(perFrame[0]?.dataSet);
  const totalWidthPx = dataSet.uint32(tag.totalPixelMatrixColumns) ?? (frameCount === 1 ? tileWidthPx : 0);
  const totalHeightPx = dataSet.uint32(tag.totalPixelMatrixRows) ?? (frameCount === 1 ? tileHeightPx : 0);
  const volumeWidthMm = dataSet.float(tag.imagedVolumeWidth);
  const volumeHeightMm = dataSet.float(tag.imagedVolumeHeight);

  return {
    header,
    sopClassUid: text(dataSet, tag.sopClassUid),
    sopInstanceUid: text(dataSet, tag.sopInstanceUid),
    seriesInstanceUid: text(dataSet, tag.seriesInstanceUid),
    instanceNumber: dataSet.intString(tag.instanceNumber) ?? null,
    flavor: flavorOf(imageType),
    transferSyntax: header.transferSyntax,
    tileWidthPx,
    tileHeightPx,
    totalWidthPx,
    totalHeightPx,
    frameCount,
    samplesPerPixel: dataSet.uint16(tag.samplesPerPixel) ?? 1,
    photometricInterpretation: text(dataSet, tag.photometricInterpretation)?.toUpperCase() ?? 'RGB',
    planarConfiguration: dataSet.uint16(tag.planarConfiguration) ?? 0,
    bitsAllocated: dataSet.uint16(tag.bitsAllocated) ?? 8,
    dimensionOrganizationType: text(dataSet, tag.dimensionOrganizationType)?.toUpperCase() ?? null,
    framePositions: framePositionsOf(perFrame, frameCount),
    concatenationUid: text(dataSet, tag.concatenationUid),
    concatenationFrameOffset: dataSet.uint32(tag.concatenationFrameOffset) ?? 0,
    // Pixel Spacing is "row spacing \ column spacing": y first, then x.
    mppX: spacing
      ? spacing.columnMm * 1000
      : volumeWidthMm && totalWidthPx
        ? (volumeWidthMm * 1000) / totalWidthPx
        : null,
    mppY: spacing
      ? spacing.rowMm * 1000
      : volumeHeightMm && totalHeightPx
        ? (volumeHeightMm * 1000) / totalHeightPx
        : null,
    mppProvenance: spacing
      ? 'pixel_spacing'
      : (volumeWidthMm && totalWidthPx) || (volumeHeightMm && totalHeightPx)
        ? 'imaged_volume'
        : null,
    objectivePower: positive(
      dataSet.elements[tag.opticalPathSequence]?.items?.[0]?.dataSet?.floatString(tag.objectiveLensPower),
    ),
    manufacturer: text(dataSet, tag.manufacturer),
  };
}

function flavorOf(imageType: string[]): DicomImageFlavor {
  // Value 3 names the flavour; files that omit Image Type are taken as pyramid levels.
  const flavor = imageType[2];
  if (flavor === undefined || flavor === '' || flavor === 'VOLUME') return 'VOLUME';
  if (flavor === 'LABEL' || flavor === 'OVERVIEW' || flavor === 'THUMBNAIL') return flavor;
  return 'OTHER';
}

function pixelSpacingMm(functionalGroups: DicomAttributes | undefined): { rowMm: number; columnMm: number } | null {
  const measures = functionalGroups?.elements[tag.pixelMeasuresSequence]?.items?.[0]?.dataSet;
  const rowMm = positive(measures?.floatString(tag.pixelSpacing, 0));
  const columnMm = positive(measures?.floatString(tag.pixelSpacing, 1));
  return rowMm && columnMm ? { rowMm, columnMm } : null;
}

/** Column/Row Position In Total Image Pixel Matrix are 1-based; stored here 0-based as x, y pairs. */
function framePositionsOf(perFrame: Array<{ dataSet?: DicomAttributes }>, frameCount: number): Int32Array | null {
  if (perFrame.length < frameCount || frameCount === 0) return null;
  const positions = new Int32Array(frameCount * 2);
  for (let frame = 0; frame < frameCount; frame++) {
    const plane = perFrame[frame]?.dataSet?.elements[tag.planePositionSlideSequence]?.items?.[0]?.dataSet;
    const column = plane?.int32(tag.columnPositionInTotalImagePixelMatrix);
    const row = plane?.int32(tag.rowPositionInTotalImagePixelMatrix);
    if (column === undefined || row === undefined) return null;
    positions[frame * 2] = column - 1;
    positions[frame * 2 + 1] = row - 1;
  }
  return positions;
}

function text(dataSet: DicomAttributes, tagName: string): string | null {
  const value = dataSet.string(tagName)?.replace(/\0/g, '').trim();
  return value ? value : null;
}

function positive(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : null;
}
