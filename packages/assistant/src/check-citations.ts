import type { EvidenceItem } from './evidence.ts';

export interface Citation {
  n: number;
  /** False when the answer cites a number that is not in the evidence list (invented). */
  supported: boolean;
  kind: EvidenceItem['kind'] | null;
  id: string | null;
}

/** Every distinct `[n]` in an answer (also inside `[1, 3]` or `[1][2]`), checked against the evidence it was given. */
export function checkCitations(answer: string, evidence: EvidenceItem[]): Citation[] {
  const byNumber = new Map(evidence.map((item) => [item.n, item]));
  const seen = new Set<number>();
  const citations: Citation[] = [];
  for (const group of answer.matchAll(/\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]/g)) {
    for (const part of group[1]!.split(/[,;]/)) {
      const n = Number(part.trim());
      if (seen.has(n)) continue;
      seen.add(n);
      const item = byNumber.get(n);
      citations.push({ n, supported: item !== undefined, kind: item?.kind ?? null, id: item?.id ?? null });
    }
  }
  return citations;
}
