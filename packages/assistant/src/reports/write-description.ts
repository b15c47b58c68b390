import type { ChatMessage, LanguageModel, QueuePlace } from '@pathlens/language-model';
import { buildSystemMessage } from '../build-prompt.ts';
import { checkCitations } from '../check-citations.ts';
import type { EvidenceItem } from '../evidence.ts';
import { collectText } from './collect-text.ts';
import type { ReportAttempt } from './report-attempts.ts';
import type { ReportTemplate } from './report-template.ts';

const reportInstructions = [
  'You are PathLens, drafting the microscopic description of a pathology report for a pathologist to review.',
  'Use only the numbered evidence below and cite it as [n] after each statement.',
  'Library captions and similar slides describe other images: use them only as comparisons.',
  'Never state a size, percentage, grade, margin or count that the evidence does not give.',
].join(' ');

/** Problems with a model-written description: empty, citing nothing, or citing evidence that does not exist. */
export function descriptionProblems(text: string, evidence: EvidenceItem[]): string[] {
  const trimmed = text.trim();
  if (!trimmed) return ['the description is empty'];
  const citations = checkCitations(trimmed, evidence);
  const problems: string[] = [];
  if (citations.length === 0) problems.push('the description cites no evidence');
  const invented = citations.filter((citation) => !citation.supported).map((citation) => `[${citation.n}]`);
  if (invented.length) problems.push(`the description cites evidence that does not exist: ${invented.join(' ')}`);
  if (trimmed.length > 4000) problems.push('the description is longer than 4000 characters');
  return problems;
}

/** The description when no evidence supports one: the one description allowed to cite nothing. */
export const noDescriptionSentence = 'The available evidence does not support a microscopic description.';

/** A description assembled from the evidence alone, used when the model's text does not validate. */
export function evidenceOnlyDescription(evidence: EvidenceItem[]): string {
  const sentences: string[] = [];
  for (const item of evidence) {
    if (item.kind === 'prototype') {
      const caption = item.captions[0] ? `, most like the library caption "${item.captions[0].caption}"` : '';
      sentences.push(
        `Characteristic region ${item.clusterIndex + 1} makes up ${Math.round(item.weight * 100)}% of the tissue patches${caption} [${item.n}].`,
      );
    } else if (item.kind === 'patch' && sentences.length < 4) {
      const caption = item.captions[0]
        ? ` resembles the library caption "${item.captions[0].caption}"`
        : ' was retrieved for the report query';
      sentences.push(`The region at level-0 (${item.xLevel0}, ${item.yLevel0})${caption} [${item.n}].`);
    } else if (item.kind === 'finding' && sentences.length < 6) {
      sentences.push(
        `Zero-shot, "${item.label}" is the most likely ${item.labelSetName.toLowerCase()} class (probability ${item.probability.toFixed(2)}) [${item.n}].`,
      );
    }
  }
  return sentences.length ? sentences.slice(0, 6).join(' ') : noDescriptionSentence;
}

/**
 * The model writes the microscopic description; it is validated (non-empty, cites evidence
 * that exists) and, when invalid, asked again (sampling, with the problems named) up to
 * `maxAttempts` times. If no attempt validates, a description assembled from the evidence
 * alone is used and `usedFallback` says so: the report is still valid and honest.
 */
export async function writeDescription(
  languageModel: LanguageModel,
  evidence: EvidenceItem[],
  template: ReportTemplate,
  options: {
    clinicalContext: string | null;
    maxAttempts: number;
    maxNewTokens: number;
    signal?: AbortSignal | undefined;
    /** A turn held for the whole report (see `holdTurn`), so retries do not queue again. */
    place?: QueuePlace | undefined;
  },
): Promise<{ text: string; attempts: ReportAttempt[]; usedFallback: boolean; cancelled: boolean }> {
  const context = options.clinicalContext
    ? `\nClinical context from the requester (unverified): ${options.clinicalContext}`
    : '';
  const messages: ChatMessage[] = [
    buildSystemMessage(evidence, reportInstructions),
    { role: 'user', content: `${template.description_instruction}${context}` },
  ];
  const attempts: ReportAttempt[] = [];
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    const { text, finishReason } = await collectText(languageModel, {
      messages,
      maxNewTokens: options.maxNewTokens,
      temperature: attempt === 1 ? 0 : 0.7,
      signal: options.signal,
      place: options.place,
    });
    if (finishReason === 'cancelled') return { text: '', attempts, usedFallback: false, cancelled: true };
    const problems = descriptionProblems(text, evidence);
    attempts.push({ attempt, problems, repairs: [] });
    if (problems.length === 0) return { text: text.trim(), attempts, usedFallback: false, cancelled: false };
    messages.push(
      { role: 'assistant', content: text },
      {
        role: 'user',
        content: `That description has problems: ${problems.join('; ')}. Write it again, citing only evidence numbers 1–${evidence.length}.`,
      },
    );
  }
  return { text: evidenceOnlyDescription(evidence), attempts, usedFallback: true, cancelled: false };
}
