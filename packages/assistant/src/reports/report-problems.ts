import { notAssessable } from '../draft-notice.ts';
import { describeEvidence, type EvidenceItem } from '../evidence.ts';
import { findNumericClaims, isSupported, replaceUnsupportedNumbers } from '../numeric-claims.ts';
import { reportSchema, type Report } from './report-schema.ts';
import { noDescriptionSentence } from './write-description.ts';

/**
 * What is wrong with a candidate report, as lines a model (or a person) can act on: schema
 * violations, evidence references that are not in the list, and a description that cites
 * nothing or cites evidence that does not exist. Empty when the report is valid.
 */
export function reportProblems(value: unknown, evidence: EvidenceItem[]): string[] {
  const parsed = reportSchema.safeParse(value);
  if (!parsed.success)
    return parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  const report = parsed.data;
  const numbers = new Set(evidence.map((item) => item.n));
  const problems: string[] = [];
  const checkReferences = (references: number[], where: string) => {
    for (const n of references)
      if (!numbers.has(n)) problems.push(`${where}: evidence [${n}] does not exist (use 1–${evidence.length})`);
  };
  report.candidate_diagnoses.forEach((candidate, index) =>
    checkReferences(candidate.evidence, `candidate_diagnoses.${index}.evidence`),
  );
  report.key_findings.forEach((finding, index) => checkReferences(finding.evidence, `key_findings.${index}.evidence`));
  report.measurements.forEach((measurement, index) =>
    checkReferences(measurement.evidence, `measurements.${index}.evidence`),
  );
  const cited = [...report.microscopic_description.matchAll(/\[(\d{1,3})\]/g)].map((match) => Number(match[1]));
  if (cited.length === 0 && report.microscopic_description !== noDescriptionSentence)
    problems.push('microscopic_description: cite the evidence as [n] after each statement');
  checkReferences(cited, 'microscopic_description');
  return problems;
}

/**
 * Apply the "not assessable" rule to a valid report: every number in its free text that no
 * evidence gives is replaced, and a measurement whose value its cited evidence does not give
 * becomes "not assessable from the available evidence". Returns what was replaced.
 */
export function enforceSupportedNumbers(
  report: Report,
  evidence: EvidenceItem[],
): { report: Report; replaced: string[] } {
  const allTexts = evidence.map(describeEvidence);
  const replaced: string[] = [];
  const clean = (text: string) => {
    const result = replaceUnsupportedNumbers(text, allTexts);
    replaced.push(...result.replaced);
    return result.text;
  };
  const byNumber = new Map(evidence.map((item) => [item.n, item]));
  const measurements = report.measurements.map((measurement) => {
    if (measurement.value === notAssessable) return measurement;
    const citedTexts = measurement.evidence.flatMap((n) =>
      byNumber.has(n) ? [describeEvidence(byNumber.get(n)!)] : [],
    );
    const citedClaims = citedTexts.flatMap(findNumericClaims);
    const claims = findNumericClaims(measurement.value);
    const given = claims.length > 0 && claims.every((claim) => isSupported(claim, citedClaims));
    if (given) return measurement;
    replaced.push(`${measurement.name}: ${measurement.value}`);
    return { ...measurement, value: notAssessable, evidence: [] };
  });
  return {
    report: {
      ...report,
      specimen: { ...report.specimen, description: clean(report.specimen.description) },
      candidate_diagnoses: report.candidate_diagnoses.map((candidate) => ({
        ...candidate,
        diagnosis: clean(candidate.diagnosis),
      })),
      microscopic_description: clean(report.microscopic_description),
      key_findings: report.key_findings.map((finding) => ({ ...finding, finding: clean(finding.finding) })),
      measurements,
      limitations: report.limitations,
    },
    replaced,
  };
}
