import { PathLensError } from '@pathlens/core';
import type { SlideSizeLimits } from '../slide-size-limits.ts';
import { assembleDicomSlide } from '../dicom/assemble-dicom-slide.ts';
import { describeDicomInstance, wholeSlideSopClassUid, type DicomInstance } from '../dicom/dicom-instance.ts';
import type { DicomSlideReader } from '../dicom/dicom-slide-reader.ts';
import type { OpenFrameSource } from '../dicom/frame-source.ts';
import { transferSyntaxOf } from '../dicom/transfer-syntax.ts';
import { checkSeriesUids } from './dicom-uid.ts';
import { DicomJsonAttributes, type DicomJsonObject } from './dicom-json-attributes.ts';
import { DicomWebClient, type DicomWebFrame } from './dicomweb-client.ts';
import { FrameBatcher } from './frame-batcher.ts';

/** Where a slide lives on a DICOMweb server. */
export interface DicomWebSeriesLocation {
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

const sopInstanceUidTag = 'x00080018';
/** Transfer Syntax UID (file meta) or Available Transfer Syntax UID: some servers put one in the metadata. */
const transferSyntaxTags = ['x00020010', 'x00083002'];

/**
 * Opens a whole-slide series on a DICOMweb server through the same assembly as DICOM files
 * (`assembleDicomSlide`: levels, MPP, associated images): attributes from the series' WADO-RS
 * metadata, frames fetched with WADO-RS `/frames/{n}` as regions need them, those asked for
 * together in one request (the reader's bounded frame cache keeps recent ones). The transfer
 * syntax comes from the metadata when the server says it, else from each instance's first frame.
 * Throws `not_found` (no such series), `unsupported_format` (no whole-slide instances, or level 0
 * in a syntax PathLens cannot decode), `upstream_error` (server unreachable or refusing).
 *
 * @example
 * const location = { studyInstanceUid, seriesInstanceUid };
 * const slide = await openDicomWebSlide(servers.client('pacs'), location, defaultSlideSizeLimits);
 */
export async function openDicomWebSlide(
  client: DicomWebClient,
  location: DicomWebSeriesLocation,
  limits: SlideSizeLimits,
): Promise<DicomSlideReader> {
  const { studyInstanceUid, seriesInstanceUid } = checkSeriesUids(location);
  const metadata = await client.seriesMetadata(studyInstanceUid, seriesInstanceUid);
  const wholeSlide = metadata
    .map((object) => ({ object, attributes: new DicomJsonAttributes(object) }))
    .filter(
      ({ attributes }) =>
        attributes.string('x00080016') === wholeSlideSopClassUid && attributes.string(sopInstanceUidTag),
    );
  if (wholeSlide.length === 0) {
    throw new PathLensError(
      'unsupported_format',
      `Series ${seriesInstanceUid} on the DICOMweb server "${client.name}" has no VL Whole Slide Microscopy ` +
        `instances (${metadata.length} other instances). ` +
        'Pick a slide-microscopy series from `pathlens dicomweb search`.',
      { endpoint: client.name, seriesInstanceUid },
    );
  }

  // The first frame of an instance fetched to learn its transfer syntax is kept for its first read.
  const probedFrames = new Map<string, DicomWebFrame>();
  const instances = await Promise.all(
    wholeSlide.map(async ({ object, attributes }) => {
      const sopInstanceUid = attributes.string(sopInstanceUidTag)!;
      const path = DicomWebClient.instancePath(studyInstanceUid, seriesInstanceUid, sopInstanceUid);
      let transferSyntaxUid = declaredTransferSyntax(object);
      if (!transferSyntaxUid) {
        const frame = await client.frame(path, 1);
        probedFrames.set(path, frame);
        transferSyntaxUid = frame.transferSyntaxUid ?? '1.2.840.10008.1.2.1';
      }
      return describeDicomInstance({
        filePath: `${client.url}${path}`,
        fileSizeBytes: 0,
        transferSyntax: transferSyntaxOf(transferSyntaxUid),
        dataSet: attributes,
        pixelDataOffset: null,
        pixelDataLengthBytes: null,
      });
    }),
  );

  const openFrames: OpenFrameSource = async (instance: DicomInstance) => {
    const path = DicomWebClient.instancePath(studyInstanceUid, seriesInstanceUid, instance.sopInstanceUid!);
    const batcher = new FrameBatcher(client, path);
    return {
      readFrame: async (frame) => {
        const probed = frame === 0 ? probedFrames.get(path) : undefined;
        if (probed) probedFrames.delete(path);
        return probed ? probed.bytes : batcher.read(frame);
      },
      close: async () => {},
    };
  };
  return assembleDicomSlide({ seriesInstanceUid, instances }, { limits, openFrames, reader: 'dicomweb', files: [] });
}

function declaredTransferSyntax(object: DicomJsonObject): string | null {
  const attributes = new DicomJsonAttributes(object);
  for (const tag of transferSyntaxTags) {
    const value = attributes.string(tag, 0);
    if (value) return value;
  }
  return null;
}
