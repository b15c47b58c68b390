import { rename } from 'node:fs/promises';
import path from 'node:path';
import type { ReceivedFile } from '../../multipart/receive-multipart.ts';

/**
 * Move a received slide to `<directory>/<sha256><ext>` with one rename (same file system), so a
 * file under its final name is always complete; the temporary copy is gone afterwards.
 */
export async function saveUpload(
  file: ReceivedFile,
  directory: string,
): Promise<{ filePath: string; contentSha256: string; sizeBytes: number }> {
  const extension = path
    .extname(file.fileName)
    .toLowerCase()
    .replace(/[^.a-z0-9]/g, '')
    .slice(0, 8);
  const filePath = path.join(directory, file.contentSha256 + extension);
  await rename(file.temporaryPath, filePath);
  return { filePath, contentSha256: file.contentSha256, sizeBytes: file.sizeBytes };
}
