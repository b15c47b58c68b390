import type { EvidenceItem } from './evidence.ts';

/**
 * Keep the most relevant evidence that fits `budgetTokens` (counted with the model's own
 * tokenizer), dropping the weakest first. Kept items stay in their order; they are
 * renumbered from 1 unless `keepNumbers` (a follow-up turn, whose earlier answers cite the
 * old numbers).
 */
export function fitEvidence(
  items: EvidenceItem[],
  describe: (item: EvidenceItem) => string,
  countTokens: (text: string) => number,
  budgetTokens: number,
  options: { keepNumbers?: boolean } = {},
): EvidenceItem[] {
  const byStrength = [...items].sort((a, b) => b.relevance - a.relevance);
  const kept = new Set<EvidenceItem>();
  let used = 0;
  for (const item of byStrength) {
    const cost = countTokens(describe(item)) + 1;
    if (used + cost > budgetTokens) continue;
    kept.add(item);
    used += cost;
  }
  const fitted = items.filter((item) => kept.has(item));
  return options.keepNumbers ? fitted : fitted.map((item, index) => ({ ...item, n: index + 1 }));
}
