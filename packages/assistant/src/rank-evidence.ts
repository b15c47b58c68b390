import type { EvidenceItem, EvidenceKind, UnrankedEvidence } from './evidence.ts';

/**
 * How much each kind of evidence counts before its rank: the regions that answer the question
 * first, then the slide's own facts, what the whole slide looks like, the library, and other slides.
 */
export const kindPriority: Record<EvidenceKind, number> = {
  image: 1.2,
  patch: 1,
  'slide-facts': 0.98,
  finding: 0.9,
  prototype: 0.85,
  pair: 0.8,
  'similar-slide': 0.75,
};

/**
 * Give every item its `relevance` (kind priority ÷ (1 + rank by score within its kind; library
 * pairs matched by image and by caption ranked apart)), then
 * number them from 1, strongest first. Items of a kind stay in score order.
 */
export function rankEvidence(items: UnrankedEvidence[]): EvidenceItem[] {
  const groups = new Map<string, UnrankedEvidence[]>();
  for (const item of items) {
    const group = item.kind === 'pair' ? `pair:${item.matchedBy}` : item.kind; // scores of a group share one scale
    groups.set(group, [...(groups.get(group) ?? []), item]);
  }
  const ranked: EvidenceItem[] = [];
  for (const group of groups.values()) {
    [...group]
      .sort((a, b) => b.score - a.score)
      .forEach((item, rank) =>
        ranked.push({ ...item, n: 0, relevance: kindPriority[item.kind] / (1 + rank) } as EvidenceItem),
      );
  }
  ranked.sort((a, b) => b.relevance - a.relevance || b.score - a.score);
  return ranked.map((item, index) => ({ ...item, n: index + 1 }));
}
