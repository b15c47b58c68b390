import { describe, expect, it } from 'vitest';
import {
  assembleReport,
  describeEvidence,
  draftNotice,
  enforceSupportedNumbers,
  loadReportTemplates,
  reportProblems,
  type EvidenceItem,
} from '@pathlens/assistant';

/** A PathGen-style patch description: ~900 characters, with numbers of its own. */
const longCaption = (
  'The image shows colonic mucosa with crowded, elongated glands lined by stratified columnar cells with ' +
  'hyperchromatic, pencil-shaped nuclei and loss of mucin. Several glands show cribriform architecture and ' +
  'luminal necrotic debris. The surrounding lamina propria contains a moderate lymphoplasmacytic infiltrate. ' +
  'Mitotic figures are frequent, about 12 per 10 HPF, and the tumour occupies roughly 60% of the field. ' +
  'There is a desmoplastic stromal reaction at the invasive front with scattered tumour buds, and a small ' +
  'vessel near the lower border contains a cluster of atypical cells suspicious for lymphovascular invasion. ' +
  'No normal crypts remain in this field; the overall appearance is that of a moderately differentiated ' +
  'adenocarcinoma infiltrating the submucosa, with focal extracellular mucin in less than 10% of the area.'
).trim();

const evidence: EvidenceItem[] = [
  {
    n: 1,
    kind: 'slide-facts',
    id: 's',
    score: 1,
    relevance: 0.98,
    thumbnailUrl: null,
    name: 'case.svs',
    organ: 'colon',
    stain: 'H&E',
    widthPx: 2000,
    heightPx: 1000,
    mppX: 0.5,
    objectivePower: 20,
    patchCount: 40,
    tissueAreaMm2: 0.5,
  },
  {
    n: 2,
    kind: 'patch',
    id: '11',
    score: 0.9,
    relevance: 0.9,
    thumbnailUrl: null,
    slideId: 's',
    xLevel0: 0,
    yLevel0: 0,
    sizeLevel0Px: 224,
    sizeUm: 112,
    tissueFraction: 0.9,
    captions: [{ pairId: 'p1', caption: longCaption, score: 0.4 }],
  },
  {
    n: 3,
    kind: 'prototype',
    id: 'proto',
    score: 0.5,
    relevance: 0.85,
    thumbnailUrl: null,
    slideId: 's',
    clusterIndex: 0,
    weight: 0.6,
    patchId: '11',
    xLevel0: 0,
    yLevel0: 0,
    sizeLevel0Px: 224,
    captions: [{ pairId: 'p2', caption: longCaption, score: 0.5 }],
  },
  {
    n: 4,
    kind: 'similar-slide',
    id: 'other',
    score: 0.8,
    relevance: 0.75,
    thumbnailUrl: null,
    name: 'other.svs',
    organ: 'colon',
    stain: 'H&E',
    report: {
      id: 'r',
      summary: `candidate diagnoses: ${longCaption.replace(/\./g, ',')} (low confidence)`,
      createdAt: '2026-01-01T00:00:00.000Z',
    },
  },
];

describe('issue 11.1: report findings quote long captions by reference and a bounded excerpt', () => {
  it('assembles a report that validates when the nearest captions are ~900 characters long', async () => {
    const colon = (await loadReportTemplates()).get('colon')!;
    const skeleton = assembleReport(evidence, colon, { clinicalContext: null, modelId: 'tiny', demo: false });
    const report = { ...skeleton, microscopic_description: 'Crowded glands [2].' };
    const enforced = enforceSupportedNumbers(report, evidence).report;
    expect(reportProblems(enforced, evidence)).toEqual([]);
    expect(enforced.notice).toBe(draftNotice);
    const withCaption = enforced.key_findings.filter((finding) => finding.finding.includes('library caption'));
    expect(withCaption.length).toBe(2);
    for (const finding of withCaption) {
      expect(finding.finding.length).toBeLessThanOrEqual(500);
      const quoted = finding.finding.match(/"([^"]+)"/)![1]!;
      expect(quoted.endsWith('…')).toBe(true);
      // The excerpt is exactly what the evidence list shows for the cited item, so nothing is invented or lost.
      const cited = evidence.find((item) => item.n === finding.evidence[0])!;
      expect(describeEvidence(cited)).toContain(`"${quoted}"`);
    }
    for (const candidate of enforced.candidate_diagnoses) expect(candidate.diagnosis.length).toBeLessThanOrEqual(200);
  });
});
