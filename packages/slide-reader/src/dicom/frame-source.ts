import type { DicomInstance } from './dicom-instance.ts';

/** The encoded bytes of one instance's frames, wherever they are kept (a file, a DICOMweb server). */
export interface DicomFrameSource {
  /** Frame `frame` (0-based) as stored: one JPEG stream, or raw samples. */
  readFrame(frame: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** Opens the frames of one instance; throws when they cannot be reached. */
export type OpenFrameSource = (instance: DicomInstance) => Promise<DicomFrameSource>;
