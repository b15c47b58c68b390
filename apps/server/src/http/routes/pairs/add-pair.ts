import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeImage } from '@pathlens/encoders';
import type { Runtime } from '../../../runtime/runtime.ts';

const extensionByFormat: Record<string, string> = { jpeg: '.jpg', png: '.png', tiff: '.tif', webp: '.webp' };

/**
 * Add an image–caption pair to the library: decode (rejecting non-images before anything is
 * written), embed image and caption, keep the image under DATA_DIR/pairs by its hash.
 */
export async function addPair(runtime: Runtime, pair: { imageBytes: Uint8Array; caption: string; source?: string | undefined; metadata?: Record<string, string> | undefined }) {
  const pixels = await decodeImage(pair.imageBytes);
  const contentSha256 = createHash('sha256').update(pair.imageBytes).digest('hex');
  const [[imageEmbedding], [captionEmbedding]] = await Promise.all([runtime.imageEncoder.embedImages([pixels]), runtime.textEncoder.embedTexts([pair.caption])]);
  const directory = path.join(runtime.config.dataDir, 'pairs');
  await mkdir(directory, { recursive: true });
  const imageRef = path.join(directory, contentSha256 + (extensionByFormat[pixels.format] ?? '.img'));
  await writeFile(imageRef, pair.imageBytes);
  return runtime.store.pairs.insert({
    imageRef,
    contentSha256,
    caption: pair.caption,
    source: pair.source ?? null,
    metadata: pair.metadata ?? {},
    imageEmbedding: Array.from(imageEmbedding!),
    captionEmbedding: Array.from(captionEmbedding!),
  });
}
