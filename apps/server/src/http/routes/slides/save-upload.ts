import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Stream an uploaded file to `<directory>/<sha256><ext>`, hashing as it goes. The bytes land
 * under a temporary name first, so a broken upload never leaves a file under its final name.
 */
export async function saveUpload(file: File, directory: string): Promise<{ filePath: string; contentSha256: string; sizeBytes: number }> {
  await mkdir(directory, { recursive: true });
  const temporaryPath = path.join(directory, `.incoming-${randomUUID()}`);
  const hash = createHash('sha256');
  try {
    const source = Readable.fromWeb(file.stream() as import('node:stream/web').ReadableStream<Uint8Array>);
    source.on('data', (chunk: Buffer) => hash.update(chunk));
    await pipeline(source, createWriteStream(temporaryPath));
    const contentSha256 = hash.digest('hex');
    const extension = path.extname(file.name).toLowerCase().replace(/[^.a-z0-9]/g, '').slice(0, 8);
    const filePath = path.join(directory, contentSha256 + extension);
    const { size } = await stat(temporaryPath);
    await rename(temporaryPath, filePath);
    return { filePath, contentSha256, sizeBytes: size };
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }
}
