import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { writeFileAtomically } from '@pathlens/core';
import { decodeImage, type ImageEncoder } from '@pathlens/encoders';
import type { MessageImage } from '@pathlens/language-model';
import type { Store } from '@pathlens/store';
import type { UnrankedEvidence } from './evidence.ts';
import { findingEvidence, type FindingsSource } from './findings-source.ts';

const extensions: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/tiff': 'tif',
};

/** `<DATA_DIR>/conversations/<conversation id>/`: a conversation's pictures; deleting the conversation deletes it. */
/**
 * Stores the question's pictures with the conversation (`image-<turn>-<n>.<ext>`, each written
 * atomically) and returns their file names in order.
 */
export async function storeQuestionImages(
  folder: string,
  turnId: string,
  images: readonly MessageImage[],
): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  return Promise.all(
    images.map(async (image, index) => {
      const fileName = `image-${turnId}-${index + 1}.${extensions[image.mediaType] ?? 'bin'}`;
      await writeFileAtomically(path.join(folder, fileName), image.bytes);
      return fileName;
    }),
  );
}

/**
 * Each picture of the question as evidence: embedded with the image encoder, with the library
 * captions nearest to it; also its zero-shot findings from the label sets, and the library pairs
 * and archive slide regions nearest to it.
 */
export async function questionImageEvidence(
  dependencies: { store: Store; imageEncoder: ImageEncoder; findings?: FindingsSource | undefined },
  conversationId: string,
  images: readonly MessageImage[],
  fileNames: readonly string[],
  shownToModel: boolean,
  limits: {
    captions: number;
    pairs: number;
    patches: number;
    findingsPerLabelSet: number;
    labelSetIds: string[];
    slideId?: string | undefined;
  },
): Promise<{ items: UnrankedEvidence[]; embeddings: Float32Array[] }> {
  const pixels = await Promise.all(images.map((image) => decodeImage(image.bytes)));
  const embeddings = await dependencies.imageEncoder.embedImages(pixels);
  const items: UnrankedEvidence[] = [];
  for (const [index, embedding] of embeddings.entries()) {
    const vector = Array.from(embedding);
    const [captions, pairs, patches, findings] = await Promise.all([
      dependencies.store.pairs.nearest(vector, { k: limits.captions, by: 'caption' }),
      dependencies.store.pairs.nearest(vector, { k: limits.pairs, by: 'image' }),
      dependencies.store.search.nearestPatches(vector, { k: limits.patches, slideId: limits.slideId }),
      dependencies.findings && limits.labelSetIds.length
        ? dependencies.findings({ embedding: vector }, limits.labelSetIds)
        : [],
    ]);
    const imageNumber = index + 1;
    for (const labelSetId of new Set(findings.map((finding) => finding.labelSetId))) {
      const likely = findings
        .filter((finding) => finding.labelSetId === labelSetId)
        .sort((a, b) => b.probability - a.probability);
      for (const finding of likely.slice(0, limits.findingsPerLabelSet))
        items.push(findingEvidence(finding, imageNumber));
    }
    items.push({
      kind: 'image',
      id: `${conversationId}/${fileNames[index]}`,
      score: 1,
      thumbnailUrl: null,
      imageNumber,
      fileName: fileNames[index]!,
      mediaType: images[index]!.mediaType,
      captions: captions.map((pair) => ({ pairId: pair.id, caption: pair.caption, score: pair.score })),
      shownToModel,
    });
    for (const pair of pairs) {
      items.push({
        kind: 'pair',
        id: pair.id,
        score: pair.score,
        thumbnailUrl: null,
        matchedBy: 'image',
        caption: pair.caption,
        source: pair.source ?? null,
        imageRef: pair.imageRef ?? null,
      });
    }
    for (const patch of patches) {
      items.push({
        kind: 'patch',
        id: String(patch.id),
        score: patch.score,
        thumbnailUrl: null,
        slideId: patch.slideId,
        xLevel0: patch.xLevel0,
        yLevel0: patch.yLevel0,
        sizeLevel0Px: patch.sizeLevel0Px,
        sizeUm: null,
        tissueFraction: patch.tissueFraction,
        captions: [],
      });
    }
  }
  return { items, embeddings };
}
