/** One line about a stored report, for when it is evidence for a similar slide. */
export function summariseReport(structured: Record<string, unknown>): string {
  const candidates = Array.isArray(structured.candidate_diagnoses)
    ? (structured.candidate_diagnoses as { diagnosis?: unknown; confidence?: unknown }[])
    : [];
  const findings = Array.isArray(structured.key_findings) ? (structured.key_findings as { finding?: unknown }[]) : [];
  const parts: string[] = [];
  const named = candidates.filter((candidate) => typeof candidate.diagnosis === 'string').slice(0, 3);
  if (named.length)
    parts.push(
      `candidate diagnoses: ${named.map((candidate) => `${candidate.diagnosis} (${String(candidate.confidence ?? 'unknown')} confidence)`).join('; ')}`,
    );
  const listed = findings.filter((finding) => typeof finding.finding === 'string').slice(0, 3);
  if (listed.length) parts.push(`key findings: ${listed.map((finding) => finding.finding).join('; ')}`);
  // Citations in a stored report point into that report's own evidence list, not this one's.
  return parts.length ? parts.join('. ').replace(/\s*\[\d{1,3}\]/g, '') : 'no candidate diagnoses or findings recorded';
}
