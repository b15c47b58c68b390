import type { SlideSizeLimits } from '../slide-size-limits.ts';
import { assembleDicomSlide } from './assemble-dicom-slide.ts';
import type { DicomSlideReader } from './dicom-slide-reader.ts';
import { openFileFrames } from './file-frame-source.ts';
import { findDicomSeries } from './find-dicom-series.ts';

/** Opens a DICOM whole-slide series from one of its files or its folder (levels and MPP: `assembleDicomSlide`). */
export async function openDicomSlide(slidePath: string, limits: SlideSizeLimits): Promise<DicomSlideReader> {
  const series = await findDicomSeries(slidePath);
  const files = [...new Set(series.instances.map((instance) => instance.header.filePath))].sort();
  return assembleDicomSlide(series, { limits, openFrames: openFileFrames, reader: 'dicom', files });
}
