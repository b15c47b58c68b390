import type { ChatMessage } from '@pathlens/language-model';
import { describeEvidence, type EvidenceItem } from './evidence.ts';

export const draftNotice = 'Draft for review by a pathologist, not a diagnosis.';

const instructions = [
  'You are PathLens, an assistant that helps pathologists look at whole-slide images.',
  'Answer only from the numbered evidence below and cite it as [n] after each statement it supports.',
  'If the evidence does not support an answer, say that the available evidence does not support one; never guess sizes, percentages or grades.',
  `Every answer is a ${draftNotice.toLowerCase()}`,
].join(' ');

/** The system message: instructions, the slide's facts, then the evidence, one numbered line each. */
export function buildSystemMessage(evidence: EvidenceItem[], slide: { name: string; mppX: number | null; widthPx: number; heightPx: number } | null): ChatMessage {
  const lines = [instructions];
  if (slide) {
    const mpp = slide.mppX ? `${slide.mppX.toFixed(3)} µm/px` : 'unknown µm/px';
    lines.push(`Slide: ${slide.name}, ${slide.widthPx}×${slide.heightPx} px at level 0, ${mpp}.`);
  }
  lines.push(evidence.length ? 'Evidence:' : 'Evidence: none found.');
  for (const item of evidence) lines.push(describeEvidence(item, slide?.mppX ?? null));
  return { role: 'system', content: lines.join('\n') };
}
