import type { AssociatedImageKind } from '../associated-image-kind.ts';
import { PathLensError } from '@pathlens/core';
import { isPlausibleMpp } from '../resolution-mpp.ts';
import type { SlideLevel, SlideProperties, SlideReaderKind } from '../slide-reader.ts';
import type { SlideSizeLimits } from '../slide-size-limits.ts';
import { undecodableReason } from './decode-frame.ts';
import { DicomImage } from './dicom-image.ts';
import type { DicomImageFlavor, DicomInstance } from './dicom-instance.ts';
import { DicomSlideReader } from './dicom-slide-reader.ts';
import type { DicomSeries } from './find-dicom-series.ts';
import type { OpenFrameSource } from './frame-source.ts';
import { defaultTileCacheBytes, TileCache } from '../tile-cache.ts';

const associatedNameByFlavor: Partial<Record<DicomImageFlavor, AssociatedImageKind>> = {
  THUMBNAIL: 'thumbnail',
  LABEL: 'label',
  OVERVIEW: 'macro',
};
const associatedOrder: AssociatedImageKind[] = ['thumbnail', 'label', 'macro'];

/**
 * A SlideReader over the instances of one DICOM whole-slide series, wherever their frames are
 * kept (files: `openDicomSlide`; a DICOMweb server: `openDicomWebSlide`).
 *
 * Levels: the VOLUME instances (Image Type value 3; files that omit it count as VOLUME), one per
 * Total Pixel Matrix size, largest first. Where several instances share a size (other optical
 * paths or focal planes) the lowest Instance Number is taken, with the instances concatenated
 * to it. A smaller level PathLens cannot decode (say, JPEG 2000) is left out; level 0 must decode.
 * Associated images: THUMBNAIL, LABEL and OVERVIEW (named 'macro', as other formats do) are listed
 * and opened only when read. MPP: Pixel Spacing of level 0 (Shared Functional Groups → Pixel
 * Measures, mm → µm), else Imaged Volume Width/Height over the matrix size.
 */
export interface AssembleDicomSlideOptions {
  limits: SlideSizeLimits;
  openFrames: OpenFrameSource;
  reader: Extract<SlideReaderKind, 'dicom' | 'dicomweb'>;
  /** `SlideProperties.files`: the instance files, or nothing for a slide on a server. */
  files: string[];
}

export async function assembleDicomSlide(
  series: DicomSeries,
  options: AssembleDicomSlideOptions,
): Promise<DicomSlideReader> {
  const { limits, openFrames } = options;
  const byInstanceNumber = [...series.instances].sort(
    (first, second) => (first.instanceNumber ?? 0) - (second.instanceNumber ?? 0),
  );
  const volumes = byInstanceNumber.filter((instance) => instance.flavor === 'VOLUME');
  const first = series.instances[0]!;
  if (volumes.length === 0) {
    throw new PathLensError(
      'unsupported_format',
      `${first.header.filePath} belongs to a DICOM slide series with no pyramid images (only label, overview or thumbnail instances). Pass the folder or a file of the full series.`,
      { path: first.header.filePath, seriesInstanceUid: series.seriesInstanceUid },
    );
  }

  const levelGroups = groupBySize(volumes).sort(
    (a, b) => b[0]!.totalWidthPx * b[0]!.totalHeightPx - a[0]!.totalWidthPx * a[0]!.totalHeightPx,
  );
  const largest = levelGroups[0]![0]!;
  const largestProblem = undecodableReason(largest);
  if (largestProblem) {
    throw new PathLensError(
      'unsupported_format',
      `${largest.header.filePath} is the full-resolution level of a DICOM slide, but ${largestProblem}. Re-encode the series with JPEG baseline.`,
      {
        path: largest.header.filePath,
        transferSyntaxUid: largest.transferSyntax.uid,
      },
    );
  }
  const levelParts = levelGroups.filter((group) => undecodableReason(group[0]!) === null).map(partsOfOneImage);

  const cache = new TileCache(defaultTileCacheBytes);
  const images: DicomImage[] = [];
  try {
    for (const [index, parts] of levelParts.entries())
      images.push(await DicomImage.open(parts, { limits, cache, what: `level ${index}`, openFrames }));
  } catch (error) {
    await Promise.all(images.map((image) => image.close()));
    throw error;
  }
  const [levelZero] = images;
  const levels: SlideLevel[] = images.map((image, index) => ({
    widthPx: image.widthPx,
    heightPx: image.heightPx,
    downsample: index === 0 ? 1 : (levelZero!.widthPx / image.widthPx + levelZero!.heightPx / image.heightPx) / 2,
  }));

  const associated = new Map<AssociatedImageKind, DicomInstance[]>();
  for (const instance of byInstanceNumber) {
    const name = associatedNameByFlavor[instance.flavor];
    if (name && !associated.has(name) && undecodableReason(instance) === null)
      associated.set(name, partsOfOneImage([instance]));
  }

  const properties: SlideProperties = {
    format: 'dicom-wsi',
    reader: options.reader,
    files: options.files,
    vendor: series.instances.find((instance) => instance.manufacturer)?.manufacturer?.toLowerCase() ?? null,
    levels,
    mppX: isPlausibleMpp(largest.mppX) ? largest.mppX : null,
    mppY: isPlausibleMpp(largest.mppY) ? largest.mppY : null,
    mppProvenance: isPlausibleMpp(largest.mppX) || isPlausibleMpp(largest.mppY) ? largest.mppProvenance : null,
    objectivePower: series.instances.find((instance) => instance.objectivePower !== null)?.objectivePower ?? null,
    associatedImages: associatedOrder.filter((name) => associated.has(name)),
  };
  return new DicomSlideReader({
    properties,
    levels: images,
    openAssociatedImage: (name) =>
      DicomImage.open(associated.get(name)!, { limits, cache, what: `"${name}" image`, openFrames }),
    cache,
    maxDecodedPixels: limits.maxDecodedPixels,
  });

  /** The first instance of a group and those concatenated with it (same Concatenation UID). */
  function partsOfOneImage(group: DicomInstance[]): DicomInstance[] {
    const head = group[0]!;
    if (!head.concatenationUid) return [head];
    return series.instances
      .filter((instance) => instance.concatenationUid === head.concatenationUid)
      .sort((a, b) => a.concatenationFrameOffset - b.concatenationFrameOffset);
  }
}

function groupBySize(instances: DicomInstance[]): DicomInstance[][] {
  const groups = new Map<string, DicomInstance[]>();
  for (const instance of instances) {
    const key = `${instance.totalWidthPx}x${instance.totalHeightPx}`;
    groups.set(key, [...(groups.get(key) ?? []), instance]);
  }
  return [...groups.values()];
}
