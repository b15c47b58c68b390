import { open, stat } from 'node:fs/promises';
import { PathLensError } from '@pathlens/core';

/**
 * Container families told apart by their first bytes. `ini`: an INI-style text file (Hamamatsu
 * VMS, MIRAX's Slidedat.ini); `dicom`: a DICOM Part 10 file (`DICM` at byte 128).
 */
export type FileSignature = 'tiff' | 'bigtiff' | 'png' | 'jpeg' | 'dicom' | 'ini';

export interface SniffedFile {
  signature: FileSignature;
  fileSizeBytes: number;
  /** The first bytes of the file (up to 4 KiB). */
  head: Buffer;
}

export const supportedFormatsText =
  'Aperio SVS, pyramidal or plain TIFF/BigTIFF (JPEG, LZW, Deflate or uncompressed), OME-TIFF, DICOM whole-slide (a file or a folder of one series), ' +
  'PNG and JPEG; with OpenSlide installed (`apt-get install libopenslide0` on Debian/Ubuntu) also Hamamatsu NDPI/VMS, MIRAX, Leica SCN, ' +
  'Ventana BIF, Philips TIFF and Aperio SVS with JPEG 2000 tiles';

const conversionHint =
  'Convert the slide to a pyramidal TIFF, for example `vips tiffsave in.ext out.tif --tile --pyramid --compression jpeg`.';

/** Formats we recognise but cannot read, so the message can name them. */
const knownUnsupported: Array<{ name: string; matches: (head: Buffer) => boolean }> = [
  { name: 'Zeiss CZI', matches: (head) => head.subarray(0, 10).toString('latin1') === 'ZISRAWFILE' },
  {
    name: 'JPEG 2000',
    matches: (head) => head.subarray(4, 8).toString('latin1') === 'jP  ' || startsWith(head, [0xff, 0x4f, 0xff, 0x51]),
  },
  { name: 'ZIP archive', matches: (head) => startsWith(head, [0x50, 0x4b, 0x03, 0x04]) },
  { name: 'PDF', matches: (head) => head.subarray(0, 5).toString('latin1') === '%PDF-' },
  { name: 'GIF', matches: (head) => head.subarray(0, 4).toString('latin1') === 'GIF8' },
  {
    name: 'WebP',
    matches: (head) =>
      head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP',
  },
];

function startsWith(head: Buffer, bytes: number[]): boolean {
  return head.length >= bytes.length && bytes.every((byte, index) => head[index] === byte);
}

function signatureOf(head: Buffer): FileSignature | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(head, [0x49, 0x49, 0x2b, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])) return 'bigtiff';
  if (head.length >= 132 && head.subarray(128, 132).toString('latin1') === 'DICM') return 'dicom';
  if (/^(\uFEFF)?\s*\[[^\]\r\n]{1,80}\]\s*\r?\n/.test(head.toString('utf8'))) return 'ini';
  return null;
}

/**
 * Reads the first bytes of a file and names its container. Throws `not_found` for a missing
 * file, `corrupt_file` for an empty one and `unsupported_format` for anything else.
 */
export async function sniffFile(filePath: string): Promise<SniffedFile> {
  let fileSizeBytes: number;
  try {
    const stats = await stat(filePath);
    if (!stats.isFile()) {
      throw new PathLensError(
        'unsupported_format',
        `${filePath} is not a regular file. Pass the path of a slide file.`,
        { path: filePath },
      );
    }
    fileSizeBytes = stats.size;
  } catch (error) {
    if (PathLensError.is(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new PathLensError(
        'not_found',
        `Slide file not found: ${filePath}. Check the path.`,
        { path: filePath },
        { cause: error },
      );
    }
    throw error;
  }
  if (fileSizeBytes === 0) {
    throw new PathLensError('corrupt_file', `${filePath} is empty (0 bytes); the copy or upload may have failed.`, {
      path: filePath,
    });
  }

  const handle = await open(filePath, 'r');
  const head = Buffer.alloc(Math.min(fileSizeBytes, 4096));
  try {
    await handle.read(head, 0, head.length, 0);
  } finally {
    await handle.close();
  }

  const signature = signatureOf(head);
  if (signature) return { signature, fileSizeBytes, head };
  const recognised = knownUnsupported.find((candidate) => candidate.matches(head));
  const what = recognised
    ? `a ${recognised.name} file`
    : `not a recognised image (first bytes: ${head.subarray(0, 8).toString('hex')})`;
  throw unsupportedFileError(filePath, what, { detected: recognised?.name ?? null });
}

/** `unsupported_format` for a file (or folder) that is `what`, listing what is supported. */
export function unsupportedFileError(filePath: string, what: string, details: object = {}): PathLensError {
  return new PathLensError(
    'unsupported_format',
    `${filePath} is ${what}. Supported formats: ${supportedFormatsText}. ${conversionHint}`,
    { path: filePath, ...details },
  );
}
