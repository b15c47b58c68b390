import type { EvidenceItem } from '../evidence.ts';
import { parseReportJson } from './parse-report-json.ts';
import { reportProblems } from './report-problems.ts';
import type { Report } from './report-schema.ts';

/** What one model reply to "write the report as JSON" amounts to. */
export interface ReportReplyReview {
  /** The report, when the reply (after mechanical repairs) is valid. */
  report: Report | null;
  problems: string[];
  repairs: string[];
  /** What to ask next when the reply is not a valid report: the problems, named. */
  retryInstruction: string | null;
}

/**
 * Parse and mechanically repair a reply (`parseReportJson`), validate it against the evidence
 * (`reportProblems`), and say what to ask next when it is not a valid report.
 */
export function reviewReportReply(text: string, evidence: EvidenceItem[]): ReportReplyReview {
  const parsed = parseReportJson(text);
  const problems = parsed ? reportProblems(parsed.value, evidence) : ['the answer contains no JSON object'];
  const repairs = parsed?.repairs ?? [];
  if (parsed && problems.length === 0)
    return { report: parsed.value as Report, problems, repairs, retryInstruction: null };
  return {
    report: null,
    problems,
    repairs,
    retryInstruction: `That is not a valid report: ${problems.slice(0, 12).join('; ')}. Reply with the corrected JSON object only.`,
  };
}
