import { open } from 'node:fs/promises';
import dicomParserModule, { type DataSet } from 'dicom-parser';
import { PathLensError } from '@pathlens/core';
import type { DicomAttributes } from './dicom-attributes.ts';
import { transferSyntaxOf, type TransferSyntax } from './transfer-syntax.ts';

// dicom-parser ships a UMD bundle: under Node's ESM loader only its default export is real.
const dicomParser = dicomParserModule as unknown as typeof import('dicom-parser');

/** A DICOM file's data elements before its pixel data, parsed by dicom-parser (or a DICOMweb instance's metadata). */
export interface DicomHeader {
  /** The file; for an instance on a DICOMweb server, its URL (shown in messages). */
  filePath: string;
  fileSizeBytes: number;
  transferSyntax: TransferSyntax;
  /** Elements up to and including the Pixel Data element's own header (not its value). */
  dataSet: DicomAttributes;
  /** Byte offset of Pixel Data's value (for encapsulated data, its first item); null when the file has none. */
  pixelDataOffset: number | null;
  /** Pixel Data's declared length; null when undefined (encapsulated) or absent. */
  pixelDataLengthBytes: number | null;
}

const pixelDataTag = 'x7fe00010';
const firstChunkBytes = 256 * 1024;
/** Headers past this (a per-frame table for ~1 M frames) are refused rather than read into memory. */
const maxHeaderBytes = 256 * 1024 * 1024;

/**
 * Reads a DICOM file's elements up to Pixel Data, reading a growing prefix of the file (the pixel
 * data, gigabytes for a level-0 instance, is never loaded). Throws `corrupt_file` when the file
 * cannot be parsed and `unsupported_format` for deflated or big-endian encodings.
 */
export async function readDicomHeader(filePath: string, fileSizeBytes: number): Promise<DicomHeader> {
  const handle = await open(filePath, 'r');
  try {
    let chunkBytes = Math.min(fileSizeBytes, firstChunkBytes);
    let transferSyntax: TransferSyntax | undefined;
    for (;;) {
      const bytes = Buffer.alloc(chunkBytes);
      const { bytesRead } = await handle.read(bytes, 0, chunkBytes, 0);
      const prefix = bytes.subarray(0, bytesRead);
      transferSyntax ??= readTransferSyntax(filePath, prefix);
      const wholeFile = bytesRead >= fileSizeBytes;
      let dataSet: DataSet | undefined;
      let failure: unknown;
      try {
        dataSet = dicomParser.parseDicom(prefix, { untilTag: pixelDataTag });
      } catch (error) {
        failure = error;
      }
      const pixelData = dataSet?.elements[pixelDataTag];
      if (dataSet && (pixelData || wholeFile)) {
        const headerFits = !pixelData || pixelData.dataOffset <= fileSizeBytes;
        if (!headerFits) throw corruptDicom(filePath, 'its Pixel Data starts past the end of the file');
        return {
          filePath,
          fileSizeBytes,
          transferSyntax,
          dataSet,
          pixelDataOffset: pixelData ? pixelData.dataOffset : null,
          pixelDataLengthBytes: pixelData && !pixelData.hadUndefinedLength ? pixelData.length : null,
        };
      }
      if (wholeFile) throw corruptDicom(filePath, `its data elements cannot be parsed (${describeFailure(failure)})`);
      if (chunkBytes >= maxHeaderBytes) {
        throw corruptDicom(
          filePath,
          `no Pixel Data within its first ${maxHeaderBytes / 1024 / 1024} MiB (${describeFailure(failure)})`,
        );
      }
      chunkBytes = Math.min(fileSizeBytes, chunkBytes * 4, maxHeaderBytes);
    }
  } finally {
    await handle.close();
  }
}

function readTransferSyntax(filePath: string, prefix: Buffer): TransferSyntax {
  let uid: string | undefined;
  try {
    uid = dicomParser.readPart10Header(prefix).string('x00020010');
  } catch (error) {
    throw corruptDicom(filePath, `its file meta information cannot be read (${describeFailure(error)})`);
  }
  if (!uid) throw corruptDicom(filePath, 'its file meta information names no transfer syntax (0002,0010)');
  const syntax = transferSyntaxOf(uid);
  if (!syntax.headerReadable) {
    throw new PathLensError(
      'unsupported_format',
      `${filePath} is a DICOM file encoded as ${syntax.name}, which PathLens does not read. Re-encode it as explicit little endian (for example \`dcmconv +te in.dcm out.dcm\`).`,
      { path: filePath, transferSyntaxUid: uid },
    );
  }
  return syntax;
}

export function corruptDicom(filePath: string, reason: string): PathLensError {
  return new PathLensError(
    'corrupt_file',
    `${filePath} is damaged or truncated: ${reason}. Copy the slide again from its source.`,
    { path: filePath, reason },
  );
}

function describeFailure(failure: unknown): string {
  if (failure === undefined) return 'the file ends early';
  return failure instanceof Error ? failure.message : String(failure);
}
