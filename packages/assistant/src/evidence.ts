/** One numbered piece of evidence an answer may cite as `[n]`. */
export type EvidenceItem =
  | {
      n: number;
      kind: 'patch';
      /** Patch row id. */
      id: string;
      /** Cosine similarity to the question. */
      score: number;
      slideId: string;
      xLevel0: number;
      yLevel0: number;
      sizeLevel0Px: number;
      tissueFraction: number;
    }
  | {
      n: number;
      kind: 'pair';
      /** Image–text pair id. */
      id: string;
      score: number;
      caption: string;
      source: string | null;
      imageRef: string;
    };

/** How the model sees an evidence item: one line, numbered. */
export function describeEvidence(item: EvidenceItem, mppX: number | null): string {
  if (item.kind === 'pair') return `[${item.n}] Library image caption (similarity ${item.score.toFixed(2)}): "${item.caption}"`;
  const sizeUm = mppX ? `, ${(item.sizeLevel0Px * mppX).toFixed(0)} µm wide` : '';
  return `[${item.n}] Slide region at level-0 (${item.xLevel0}, ${item.yLevel0})${sizeUm}, ${(item.tissueFraction * 100).toFixed(0)}% tissue, similarity to the question ${item.score.toFixed(2)}`;
}
