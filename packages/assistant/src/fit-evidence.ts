import type { EvidenceItem } from './evidence.ts';

/**
 * Keep the strongest evidence that fits `budgetTokens` (counted with the model's own
 * tokenizer), dropping the weakest first, then renumber from 1 in the original order.
 */
export function fitEvidence(items: EvidenceItem[], describe: (item: EvidenceItem) => string, countTokens: (text: string) => number, budgetTokens: number): EvidenceItem[] {
  const byStrength = [...items].sort((a, b) => b.score - a.score);
  const kept = new Set<EvidenceItem>();
  let used = 0;
  for (const item of byStrength) {
    const cost = countTokens(describe(item)) + 1;
    if (used + cost > budgetTokens) continue;
    kept.add(item);
    used += cost;
  }
  return items.filter((item) => kept.has(item)).map((item, index) => ({ ...item, n: index + 1 }));
}
