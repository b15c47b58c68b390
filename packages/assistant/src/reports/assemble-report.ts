import { draftNotice, notAssessable } from '../draft-notice.ts';
import type { EvidenceItem } from '../evidence.ts';
import { captionExcerptChars, excerpt, quoteExcerpt } from '../excerpt.ts';
import type { Report } from './report-schema.ts';
import type { ReportTemplate } from './report-template.ts';

type Item<Kind extends EvidenceItem['kind']> = Extract<EvidenceItem, { kind: Kind }>;
const ofKind = <Kind extends EvidenceItem['kind']>(evidence: EvidenceItem[], kind: Kind) =>
  evidence.filter((item): item is Item<Kind> => item.kind === kind);

/**
 * Zero-shot readouts come from an image–text encoder, not a trained classifier: alone they
 * never make a high-confidence candidate.
 */
export function confidenceOf(probability: number): 'low' | 'moderate' {
  return probability >= 0.6 ? 'moderate' : 'low';
}

/**
 * Everything in a report that comes straight from evidence, no model involved: the specimen,
 * candidate diagnoses (zero-shot findings of the template's label sets, and similar slides'
 * drafted candidates), key findings (characteristic and question-relevant regions with their
 * nearest library captions, top findings), measurements (only what the slide's facts give;
 * the template's others "not assessable…") and limitations. The microscopic description is
 * left for the model (`microscopic_description` is filled in by the caller).
 */
export function assembleReport(
  evidence: EvidenceItem[],
  template: ReportTemplate,
  options: { clinicalContext: string | null; modelId: string; demo: boolean },
): Omit<Report, 'microscopic_description'> {
  const facts = ofKind(evidence, 'slide-facts')[0];
  const findings = ofKind(evidence, 'finding');
  const wantedSets = new Set(template.candidate_label_sets);
  const candidateFindings = findings.filter((finding) => wantedSets.has(finding.labelSetId));

  const candidates: Report['candidate_diagnoses'] = [];
  const seen = new Set<string>();
  for (const finding of [...candidateFindings].sort((a, b) => b.probability - a.probability)) {
    const key = finding.label.toLowerCase();
    if (seen.has(key) || finding.probability < 0.2) continue;
    seen.add(key);
    candidates.push({
      diagnosis: finding.label,
      confidence: confidenceOf(finding.probability),
      probability: Math.round(finding.probability * 1000) / 1000,
      evidence: [finding.n],
    });
  }
  for (const similar of ofKind(evidence, 'similar-slide')) {
    const drafted = similar.report?.summary.match(/candidate diagnoses: ([^.]*)/)?.[1];
    for (const entry of drafted?.split(';') ?? []) {
      const diagnosis = entry.replace(/\s*\((?:low|moderate|high|unknown) confidence\)\s*$/, '').trim();
      if (!diagnosis || seen.has(diagnosis.toLowerCase())) continue;
      seen.add(diagnosis.toLowerCase());
      const label = `${excerpt(diagnosis, 100)} (as drafted for the similar slide ${excerpt(similar.name, 60)})`;
      candidates.push({ diagnosis: label, confidence: 'low', probability: null, evidence: [similar.n] });
    }
  }

  const keyFindings: Report['key_findings'] = [];
  for (const prototype of ofKind(evidence, 'prototype')) {
    const where = prototype.xLevel0 !== null ? ` around level-0 (${prototype.xLevel0}, ${prototype.yLevel0})` : '';
    const caption = prototype.captions[0]
      ? `; nearest library caption: ${quoteExcerpt(prototype.captions[0].caption, captionExcerptChars)}`
      : '';
    keyFindings.push({
      finding: `Characteristic region ${prototype.clusterIndex + 1}${where}, representing ${Math.round(prototype.weight * 100)}% of the tissue patches${caption}`,
      evidence: [prototype.n],
    });
  }
  for (const patch of ofKind(evidence, 'patch').slice(0, 3)) {
    const caption = patch.captions[0]
      ? `, resembling the library caption ${quoteExcerpt(patch.captions[0].caption, captionExcerptChars)}`
      : '';
    keyFindings.push({
      finding: `Region at level-0 (${patch.xLevel0}, ${patch.yLevel0}) matches the report's evidence query${caption}`,
      evidence: [patch.n],
    });
  }
  const bestPerSet = new Map<string, Item<'finding'>>();
  for (const finding of findings)
    if ((bestPerSet.get(finding.labelSetId)?.probability ?? -1) < finding.probability)
      bestPerSet.set(finding.labelSetId, finding);
  for (const finding of bestPerSet.values()) {
    keyFindings.push({
      finding: `Zero-shot (${finding.labelSetName}): ${quoteExcerpt(finding.label, 160)} is the most likely class (probability ${finding.probability.toFixed(2)})`,
      evidence: [finding.n],
    });
  }

  const measurements: Report['measurements'] = [];
  if (facts?.tissueAreaMm2 !== null && facts?.tissueAreaMm2 !== undefined)
    measurements.push({
      name: 'Tissue area scanned',
      value: `about ${facts.tissueAreaMm2.toFixed(2)} mm²`,
      evidence: [facts.n],
    });
  if (facts?.mppX)
    measurements.push({ name: 'Scan resolution', value: `${facts.mppX.toFixed(3)} µm/px`, evidence: [facts.n] });
  for (const wanted of template.measurements)
    measurements.push({
      name: wanted.unit ? `${wanted.name} (${wanted.unit})` : wanted.name,
      value: notAssessable,
      evidence: [],
    });

  const limitations = [
    ...template.limitations,
    'Drafted from retrieved evidence (slide regions, zero-shot findings, library captions, similar slides), not from a review of the whole slide.',
  ];
  if (findings.length)
    limitations.push(
      'Zero-shot probabilities come from an image–text encoder compared with class descriptions, not from a trained classifier.',
    );
  if (!candidates.length)
    limitations.push(
      wantedSets.size
        ? 'No candidate diagnosis: no zero-shot finding of this organ’s label sets or similar slide’s report supports one.'
        : 'No candidate diagnosis: this template has no diagnostic label set, and no similar slide’s report supports one.',
    );
  if (!facts?.mppX) limitations.push('The slide has no resolution (MPP), so no physical size can be given.');
  if (options.demo)
    limitations.push(
      `The text was written by ${options.modelId}, a generated demo model whose output means nothing clinically.`,
    );
  if (options.clinicalContext)
    limitations.push('The clinical context was given by the requester and has not been verified.');

  return {
    notice: draftNotice,
    specimen: {
      site: facts?.organ ?? template.default_site,
      stain: facts?.stain ?? 'not recorded',
      description: facts
        ? `${facts.name}: ${facts.widthPx}×${facts.heightPx} px at level 0, ${facts.patchCount} tissue patches${facts.tissueAreaMm2 !== null ? ` (about ${facts.tissueAreaMm2.toFixed(2)} mm² of tissue)` : ''}.`
        : 'No slide facts available.',
    },
    candidate_diagnoses: candidates.slice(0, 8),
    key_findings: keyFindings.slice(0, 12),
    measurements,
    limitations,
  };
}
