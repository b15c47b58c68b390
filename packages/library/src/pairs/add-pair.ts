import { createHash } from 'node:crypto';
import { decodeImage, type ImageEncoder, type TextEncoder } from '@pathlens/encoders';
import type { Store, StoredPair } from '@pathlens/store';
import type { PhiCounts, PhiScrubber } from '../phi/scrub-phi.ts';
import { saveLibraryImage } from './library-image-file.ts';
import { scrubPairText } from './scrub-pair-text.ts';

export interface AddPairDependencies {
  store: Store;
  imageEncoder: ImageEncoder;
  textEncoder: TextEncoder;
  phiScrubber: PhiScrubber;
  /** DATA_DIR: images are kept under `<dataDir>/pairs/`. */
  dataDir: string;
}

export interface NewPair {
  imageBytes: Uint8Array;
  caption: string;
  source?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

/**
 * Add one image–caption pair to the library: decode (a non-image fails with
 * `unsupported_format` before anything is written), scrub PHI from the caption and free text,
 * embed image and caption, keep the image under DATA_DIR/pairs by its hash. The same image
 * (by hash) is stored once: `created: false` returns the pair already there.
 *
 * @example
 * const { pair, created } = await addPair(dependencies, { imageBytes, caption: 'Sheets of lymphocytes', source:
 * 'teaching' });
 */
export async function addPair(
  dependencies: AddPairDependencies,
  pair: NewPair,
): Promise<{ pair: StoredPair; created: boolean; phiCounts: PhiCounts }> {
  const { store, imageEncoder, textEncoder, phiScrubber, dataDir } = dependencies;
  const pixels = await decodeImage(pair.imageBytes);
  const contentSha256 = createHash('sha256').update(pair.imageBytes).digest('hex');
  const text = scrubPairText(phiScrubber, {
    caption: pair.caption,
    source: pair.source ?? null,
    metadata: pair.metadata ?? {},
  });
  const [[imageEmbedding], [captionEmbedding]] = await Promise.all([
    imageEncoder.embedImages([pixels]),
    textEncoder.embedTexts([text.caption]),
  ]);
  const imageRef = await saveLibraryImage(dataDir, contentSha256, pixels.format, pair.imageBytes);
  const stored = await store.pairs.insert({
    imageRef,
    contentSha256,
    caption: text.caption,
    source: text.source,
    metadata: text.metadata,
    imageEmbedding: Array.from(imageEmbedding!),
    captionEmbedding: Array.from(captionEmbedding!),
  });
  await store.pairRows.link([{ pairContentSha256: contentSha256, source: text.source, metadata: text.metadata }]);
  return { ...stored, phiCounts: text.phiCounts };
}
