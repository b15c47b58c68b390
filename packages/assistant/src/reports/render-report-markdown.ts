import type { EvidenceItem } from '../evidence.ts';
import type { Report } from './report-schema.ts';

const references = (numbers: number[]) => (numbers.length ? ' ' + numbers.map((n) => `[${n}]`).join('') : '');

function evidenceLine(item: EvidenceItem): string {
  switch (item.kind) {
    case 'slide-facts':
      return `slide facts of ${item.name}`;
    case 'finding':
      return `zero-shot: "${item.label}" (${item.labelSetName}), p = ${item.probability.toFixed(2)}`;
    case 'patch':
      return `region at level-0 (${item.xLevel0}, ${item.yLevel0}), ${item.sizeLevel0Px} px${item.thumbnailUrl ? ` — ${item.thumbnailUrl}` : ''}`;
    case 'prototype':
      return `characteristic region ${item.clusterIndex + 1} (${Math.round(item.weight * 100)}% of patches)${item.xLevel0 !== null ? ` at level-0 (${item.xLevel0}, ${item.yLevel0})` : ''}${item.thumbnailUrl ? ` — ${item.thumbnailUrl}` : ''}`;
    case 'similar-slide':
      return `similar slide ${item.name} (similarity ${item.score.toFixed(2)})${item.report ? `, draft report ${item.report.id}` : ''}`;
    case 'image':
      return `the user's image ${item.imageNumber}`;
    case 'pair':
      return `library caption: "${item.caption}"`;
  }
}

/** The report as markdown: the draft notice first and last, every statement with its evidence numbers, then the
 * evidence list.
 */
export function renderReportMarkdown(report: Report, evidence: EvidenceItem[], title: string): string {
  const lines = [`# ${title} — draft report`, '', `> **${report.notice}**`, ''];
  lines.push(
    '## Specimen',
    '',
    `- Site: ${report.specimen.site}`,
    `- Stain: ${report.specimen.stain}`,
    `- ${report.specimen.description}`,
    '',
  );
  lines.push('## Candidate diagnoses', '');
  if (report.candidate_diagnoses.length === 0) lines.push('- None supported by the available evidence.');
  for (const candidate of report.candidate_diagnoses) {
    const probability = candidate.probability !== null ? `, p = ${candidate.probability.toFixed(2)}` : '';
    lines.push(
      `- ${candidate.diagnosis} — ${candidate.confidence} confidence${probability}${references(candidate.evidence)}`,
    );
  }
  lines.push('', '## Microscopic description', '', report.microscopic_description, '');
  lines.push('## Key findings', '');
  if (report.key_findings.length === 0) lines.push('- None.');
  for (const finding of report.key_findings) lines.push(`- ${finding.finding}${references(finding.evidence)}`);
  lines.push('', '## Measurements', '', '| measurement | value | evidence |', '|---|---|---|');
  for (const measurement of report.measurements)
    lines.push(`| ${measurement.name} | ${measurement.value} | ${references(measurement.evidence).trim() || '—'} |`);
  lines.push('', '## Limitations', '');
  for (const limitation of report.limitations) lines.push(`- ${limitation}`);
  lines.push('', '## Evidence', '');
  for (const item of evidence) lines.push(`${item.n}. ${evidenceLine(item)}`);
  lines.push('', `_${report.notice}_`, '');
  return lines.join('\n');
}
