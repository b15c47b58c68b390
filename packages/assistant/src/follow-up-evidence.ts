import type { MessageRow } from '@pathlens/store';
import { evidenceKey, type EvidenceItem } from './evidence.ts';

const looksLikeEvidence = (value: unknown): value is EvidenceItem =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as EvidenceItem).n === 'number' &&
  typeof (value as EvidenceItem).kind === 'string' &&
  typeof (value as EvidenceItem).id === 'string';

/** The evidence the conversation's latest assistant turn was given, with its numbers. */
export function previousEvidence(messages: MessageRow[]): EvidenceItem[] {
  const last = [...messages].reverse().find((message) => message.role === 'assistant' && message.evidence.length > 0);
  return (last?.evidence ?? [])
    .filter(looksLikeEvidence)
    .map((item) => ({ ...item, relevance: typeof item.relevance === 'number' ? item.relevance : 0.5 }));
}

/**
 * A follow-up's evidence: what the conversation already had, numbers unchanged (its earlier
 * answers cite them), then what the new question brought that is not already there, numbered
 * after it in relevance order. An item found again takes the new question's relevance when higher.
 */
export function mergeFollowUpEvidence(earlier: EvidenceItem[], gathered: EvidenceItem[]): EvidenceItem[] {
  const gatheredByKey = new Map(gathered.map((item) => [evidenceKey(item), item]));
  const kept = earlier.map((item) => {
    const again = gatheredByKey.get(evidenceKey(item));
    return again && again.relevance > item.relevance ? { ...again, n: item.n } : item;
  });
  const known = new Set(earlier.map(evidenceKey));
  let next = Math.max(0, ...earlier.map((item) => item.n)) + 1;
  const added = gathered.filter((item) => !known.has(evidenceKey(item))).map((item) => ({ ...item, n: next++ }));
  return [...kept, ...added];
}
