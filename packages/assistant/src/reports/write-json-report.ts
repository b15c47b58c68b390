import { PathLensError } from '@pathlens/core';
import type { ChatMessage, LanguageModel, QueuePlace } from '@pathlens/language-model';
import { buildSystemMessage } from '../build-prompt.ts';
import { draftNotice, notAssessable } from '../draft-notice.ts';
import type { EvidenceItem } from '../evidence.ts';
import { collectText } from './collect-text.ts';
import type { ReportAttempt } from './report-attempts.ts';
import { reviewReportReply } from './review-report-reply.ts';
import type { Report } from './report-schema.ts';
import type { ReportTemplate } from './report-template.ts';

const example = {
  notice: draftNotice,
  specimen: { site: 'skin', stain: 'H&E', description: 'one line about the material examined' },
  candidate_diagnoses: [
    { diagnosis: 'a candidate from the evidence', confidence: 'low', probability: 0.42, evidence: [3] },
  ],
  microscopic_description: 'Two to four sentences, each citing evidence like this [1].',
  key_findings: [{ finding: 'a finding', evidence: [1, 2] }],
  measurements: [{ name: 'Tumour size (mm)', value: notAssessable, evidence: [] }],
  limitations: ['what this draft cannot tell'],
};

/** The instruction for a model asked to write the whole report as JSON. */
export function jsonReportInstructions(template: ReportTemplate): string {
  return [
    'You are PathLens, drafting a pathology report for a pathologist to review, from the numbered evidence below only.',
    'Reply with one JSON object and nothing else, in exactly this shape (snake_case keys):',
    JSON.stringify(example),
    'confidence is "low", "moderate" or "high"; evidence lists the [n] numbers each entry rests on.',
    `Measurements to report: ${template.measurements.map((measurement) => measurement.name).join(', ') || 'none'}; give a value only when the evidence states it, else "${notAssessable}".`,
    `Microscopic description: ${template.description_instruction}`,
  ].join('\n');
}

/**
 * Ask the model for the whole report as JSON; review each answer (`reviewReportReply`: parsed,
 * mechanically repaired, validated), and when invalid ask again with the problems listed, up to
 * `maxAttempts`. Then fail with `report_generation_failed`, naming the problems of the last
 * attempt: never an invalid report.
 */
export async function writeJsonReport(
  languageModel: LanguageModel,
  evidence: EvidenceItem[],
  template: ReportTemplate,
  options: {
    clinicalContext: string | null;
    maxAttempts: number;
    maxNewTokens: number;
    signal?: AbortSignal | undefined;
    place?: QueuePlace | undefined;
  },
): Promise<{ report: Report | null; attempts: ReportAttempt[] }> {
  const context = options.clinicalContext
    ? ` Clinical context from the requester (unverified): ${options.clinicalContext}`
    : '';
  const messages: ChatMessage[] = [
    buildSystemMessage(evidence, jsonReportInstructions(template)),
    { role: 'user', content: `Write the report as JSON.${context}` },
  ];
  const attempts: ReportAttempt[] = [];
  for (let attempt = 1; attempt <= options.maxAttempts; attempt++) {
    const { text, finishReason } = await collectText(languageModel, {
      messages,
      maxNewTokens: options.maxNewTokens,
      temperature: attempt === 1 ? 0 : 0.3,
      signal: options.signal,
      place: options.place,
    });
    if (finishReason === 'cancelled') return { report: null, attempts };
    const review = reviewReportReply(text, evidence);
    attempts.push({ attempt, problems: review.problems, repairs: review.repairs });
    if (review.report) return { report: review.report, attempts };
    messages.push({ role: 'assistant', content: text }, { role: 'user', content: review.retryInstruction! });
  }
  const last = attempts.at(-1)?.problems ?? [];
  throw new PathLensError(
    'report_generation_failed',
    `${languageModel.modelId} did not produce a valid report in ${options.maxAttempts} attempt(s) (last problems: ${last.slice(0, 5).join('; ')}). Use "mode": "assembled" (the model writes only the description), a larger model, or raise REPORT_MAX_ATTEMPTS.`,
    { attempts },
  );
}
