import type { ChatMessage } from '@pathlens/language-model';
import { draftNotice } from './draft-notice.ts';
import { describeEvidence, type EvidenceItem } from './evidence.ts';

export { draftNotice } from './draft-notice.ts';

/** The assistant's standing instructions; the evidence follows them in the system message. */
export const assistantInstructions = [
  'You are PathLens, an assistant that helps pathologists look at whole-slide images.',
  'Answer only from the numbered evidence below and cite it as [n] after each statement it supports.',
  'Library captions describe other images, and similar slides’ reports are drafts about other slides: use them as comparisons, not as facts about this slide.',
  'If the evidence does not support an answer, say that the available evidence does not support one instead of guessing.',
  'Never state a size, percentage, grade, margin or count that the evidence does not give.',
  `Every answer is a ${draftNotice.toLowerCase()}`,
].join(' ');

/** The system message: instructions, then the evidence, one numbered line each. */
export function buildSystemMessage(
  evidence: EvidenceItem[],
  instructions: string = assistantInstructions,
): ChatMessage {
  const lines = [instructions, evidence.length ? 'Evidence:' : 'Evidence: none found.'];
  for (const item of evidence) lines.push(describeEvidence(item));
  return { role: 'system', content: lines.join('\n') };
}
