import type { TextEncoder } from '@pathlens/encoders';
import type { SlideRow, Store } from '@pathlens/store';
import type { EvidenceItem } from './evidence.ts';

export interface EvidenceLimits {
  /** Slide regions most similar to the question. */
  patches: number;
  /** Library captions nearest to the question. */
  pairs: number;
}

export const defaultEvidenceLimits: EvidenceLimits = { patches: 6, pairs: 4 };

/**
 * Evidence for a question: the slide's patches most similar to it (when a slide is given)
 * and the library pairs whose images are nearest to it, strongest first, numbered from 1.
 */
export async function gatherEvidence(
  dependencies: { store: Store; textEncoder: TextEncoder },
  question: string,
  slide: SlideRow | null,
  limits: EvidenceLimits = defaultEvidenceLimits,
): Promise<EvidenceItem[]> {
  const [questionEmbedding] = await dependencies.textEncoder.embedTexts([question]);
  const embedding = Array.from(questionEmbedding!);
  const [patches, pairs] = await Promise.all([
    slide ? dependencies.store.patches.nearest(embedding, { k: limits.patches, slideId: slide.id }) : Promise.resolve([]),
    dependencies.store.pairs.nearest(embedding, { k: limits.pairs, by: 'image' }),
  ]);
  const unnumbered: Omit<EvidenceItem, 'n'>[] = [
    ...patches.map((patch) => ({
      kind: 'patch' as const,
      id: String(patch.id),
      score: patch.score,
      slideId: patch.slideId,
      xLevel0: patch.xLevel0,
      yLevel0: patch.yLevel0,
      sizeLevel0Px: patch.sizeLevel0Px,
      tissueFraction: patch.tissueFraction,
    })),
    ...pairs.map((pair) => ({ kind: 'pair' as const, id: pair.id, score: pair.score, caption: pair.caption, source: pair.source, imageRef: pair.imageRef })),
  ];
  return unnumbered.map((item, index) => ({ ...item, n: index + 1 }) as EvidenceItem);
}
