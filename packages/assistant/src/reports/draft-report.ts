import { PathLensError } from '@pathlens/core';
import type { LanguageModel, QueuePlace } from '@pathlens/language-model';
import { describeEvidence, type EvidenceItem } from '../evidence.ts';
import { findReadySlide } from '../find-ready-slide.ts';
import { fitEvidence } from '../fit-evidence.ts';
import { gatherEvidence, type EvidenceLimits, type EvidenceSources } from '../gather-evidence.ts';
import { slideFacts } from '../slide-facts.ts';
import { assembleReport } from './assemble-report.ts';
import { holdTurn } from './hold-turn.ts';
import { chooseTemplate } from './load-report-templates.ts';
import type { ReportAttempt } from './report-attempts.ts';
import { enforceSupportedNumbers, reportProblems } from './report-problems.ts';
import type { Report } from './report-schema.ts';
import type { ReportTemplate } from './report-template.ts';
import { renderReportMarkdown } from './render-report-markdown.ts';
import { writeDescription } from './write-description.ts';
import { jsonReportInstructions, writeJsonReport } from './write-json-report.ts';

/**
 * - `assembled`: the structure comes from the evidence; the model writes only the microscopic
 *   description (validated, retried, else an evidence-only description). Works with any model,
 *   the tiny demo one included.
 * - `json`: the model writes the whole report as JSON, repaired and validated, retried with the
 *   problems named, and the request fails with `report_generation_failed` after the last try.
 */
export type ReportMode = 'assembled' | 'json';

export interface ReportRequest {
  slideId: string;
  templateId?: string | undefined;
  clinicalContext?: string | null | undefined;
  mode: ReportMode;
  /** Tries the model gets (REPORT_MAX_ATTEMPTS). */
  maxAttempts: number;
  signal?: AbortSignal | undefined;
  /** A place already taken in the model's queue (see `GenerationRequest.place`). */
  place?: QueuePlace | undefined;
}

export interface DraftedReport {
  id: string;
  slideId: string;
  template: ReportTemplate;
  mode: ReportMode;
  report: Report;
  markdown: string;
  evidence: EvidenceItem[];
  modelId: string;
  attempts: ReportAttempt[];
  /** Numbers the model wrote that no evidence gives, replaced by "not assessable…". */
  replacedNumbers: string[];
  /** The report as drafted before those numbers were replaced (for the audit); null when nothing was replaced. */
  originalReport: Report | null;
  createdAt: Date;
}

const reportEvidenceLimits: EvidenceLimits = {
  patches: 4,
  prototypes: 6,
  findingsPerLabelSet: 3,
  minFindingProbability: 0.1,
  similarSlides: 3,
  pairs: 3,
  captionsPerRegion: 2,
};
const maxNewTokens: Record<ReportMode, number> = { assembled: 200, json: 900 };

/**
 * Draft a structured report for a slide, validate it against `reportSchema`, apply the "not
 * assessable" rule, render its markdown and store it (stored reports become evidence for
 * similar slides). Returns null when the request was cancelled before it finished.
 *
 * @example
 * const drafted = await draftReport({ store, textEncoder, languageModel, templates }, { slideId, mode: 'assembled',
 * maxAttempts: 3 });
 */
export async function draftReport(
  dependencies: EvidenceSources & { languageModel: LanguageModel; templates: Map<string, ReportTemplate> },
  request: ReportRequest,
): Promise<DraftedReport | null> {
  const { store, languageModel } = dependencies;
  const slide = await findReadySlide(store, request.slideId);
  const template = chooseTemplate(dependencies.templates, request.templateId, slideFacts(slide).organ);
  const clinicalContext = request.clinicalContext?.trim() || null;
  const query = clinicalContext ? `${template.evidence_query}. ${clinicalContext}` : template.evidence_query;
  const gathered = await gatherEvidence(dependencies, query, slide, reportEvidenceLimits, template.finding_label_sets);
  const fixedTokens = languageModel.countTokens(jsonReportInstructions(template) + (clinicalContext ?? ''));
  const budgetTokens = languageModel.contextLengthTokens - maxNewTokens[request.mode] - fixedTokens - 128;
  const evidence = fitEvidence(
    gathered.items,
    describeEvidence,
    (text) => languageModel.countTokens(text),
    budgetTokens,
  );

  const turn = await holdTurn(languageModel, request.place, request.signal);
  if (!turn) return null;
  let report: Report;
  let attempts: ReportAttempt[];
  try {
    const options = {
      clinicalContext,
      maxAttempts: request.maxAttempts,
      maxNewTokens: maxNewTokens[request.mode],
      signal: request.signal,
      place: turn.forGeneration,
    };
    if (request.mode === 'json') {
      const written = await writeJsonReport(languageModel, evidence, template, options);
      if (!written.report) return null;
      report = written.report;
      attempts = written.attempts;
    } else {
      const skeleton = assembleReport(evidence, template, {
        clinicalContext,
        modelId: languageModel.modelId,
        demo: languageModel.demo,
      });
      const description = await writeDescription(languageModel, evidence, template, options);
      if (description.cancelled) return null;
      attempts = description.attempts;
      const limitations = description.usedFallback
        ? [
            ...skeleton.limitations,
            `The model’s description failed validation ${request.maxAttempts} time(s) (${description.attempts.at(-1)?.problems.join('; ')}); the description above is assembled from the evidence alone.`,
          ]
        : skeleton.limitations;
      report = { ...skeleton, microscopic_description: description.text, limitations };
    }
  } finally {
    turn.release();
  }

  const enforced = enforceSupportedNumbers(report, evidence);
  const problems = reportProblems(enforced.report, evidence);
  if (problems.length) {
    throw new PathLensError(
      'report_generation_failed',
      `The drafted report did not validate: ${problems.slice(0, 5).join('; ')}.`,
      { problems, attempts },
    );
  }
  const markdown = renderReportMarkdown(enforced.report, evidence, `${template.name}: ${slide.name}`);
  const stored = await store.reports.create({
    slideId: slide.id,
    templateId: template.id,
    clinicalContext,
    structured: enforced.report as unknown as Record<string, unknown>,
    markdown,
    model: languageModel.modelId,
    evidence,
  });
  return {
    id: stored.id,
    slideId: slide.id,
    template,
    mode: request.mode,
    report: enforced.report,
    markdown,
    evidence,
    modelId: languageModel.modelId,
    attempts,
    replacedNumbers: enforced.replaced,
    originalReport: enforced.replaced.length ? report : null,
    createdAt: stored.createdAt,
  };
}
