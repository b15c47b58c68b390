import { stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '@pathlens/core';

const extensionByFormat: Record<string, string> = {
  jpeg: '.jpg',
  png: '.png',
  tiff: '.tif',
  webp: '.webp',
  gif: '.gif',
};

/** Where library images live: `DATA_DIR/pairs/<sha256><ext>`. */
export function libraryImagePath(dataDir: string, contentSha256: string, format: string): string {
  return path.join(dataDir, 'pairs', contentSha256 + (extensionByFormat[format] ?? '.img'));
}

/**
 * Keep an image's bytes under its content hash. Written under a temporary name and renamed,
 * so a crash never leaves a half-written file under the final name; an existing file (same
 * bytes, by its name) is left as it is.
 */
export async function saveLibraryImage(
  dataDir: string,
  contentSha256: string,
  format: string,
  bytes: Uint8Array,
): Promise<string> {
  const filePath = libraryImagePath(dataDir, contentSha256, format);
  const existing = await stat(filePath).catch(() => null);
  if (existing?.size === bytes.byteLength) return filePath;
  await writeFileAtomically(filePath, bytes);
  return filePath;
}
