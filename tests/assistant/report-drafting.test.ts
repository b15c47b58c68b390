import { describe, expect, inject, it } from 'vitest';
import {
  assembleReport,
  describeEvidence,
  draftNotice,
  enforceSupportedNumbers,
  findNumericClaims,
  loadReportTemplates,
  notAssessable,
  parseReportJson,
  replaceUnsupportedNumbers,
  reportProblems,
  reportSchema,
  reviewReportReply,
  writeJsonReport,
  type EvidenceItem,
  type Report,
} from '@pathlens/assistant';
import { PathLensError } from '@pathlens/core';
import { TransformersLanguageModel } from '@pathlens/language-model';

const evidence: EvidenceItem[] = [
  {
    n: 1,
    kind: 'patch',
    id: '11',
    score: 0.9,
    relevance: 1,
    thumbnailUrl: '/v1/slides/s/region.jpg?x=0&y=0&size=224',
    slideId: 's',
    xLevel0: 0,
    yLevel0: 0,
    sizeLevel0Px: 224,
    sizeUm: 112,
    tissueFraction: 0.9,
    captions: [{ pairId: 'p', caption: 'Crowded glands.', score: 0.4 }],
  },
  {
    n: 2,
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
    n: 3,
    kind: 'finding',
    id: 'crc-tissue-types/TUM',
    score: 0.7,
    relevance: 0.9,
    thumbnailUrl: null,
    labelSetId: 'crc-tissue-types',
    labelSetName: 'Colorectal tissue types',
    label: 'colorectal adenocarcinoma epithelium',
    probability: 0.7,
  },
  {
    n: 4,
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
    captions: [],
  },
];

const validReport = (): Report => ({
  notice: draftNotice,
  specimen: { site: 'colon', stain: 'H&E', description: 'case.svs, about 0.50 mm² of tissue.' },
  candidate_diagnoses: [
    { diagnosis: 'colorectal adenocarcinoma epithelium', confidence: 'moderate', probability: 0.7, evidence: [3] },
  ],
  microscopic_description: 'Crowded glands are seen [1] in most of the tissue [4].',
  key_findings: [{ finding: 'Crowded glands', evidence: [1] }],
  measurements: [{ name: 'Tissue area scanned', value: 'about 0.50 mm²', evidence: [2] }],
  limitations: ['One slide only.'],
});

describe('the report schema', () => {
  it('round-trips a report through JSON unchanged and finds no problems in it', () => {
    const report = validReport();
    const parsed = reportSchema.parse(JSON.parse(JSON.stringify(report)));
    expect(parsed).toEqual(report);
    expect(reportProblems(parsed, evidence)).toEqual([]);
  });

  it('names what is wrong: missing fields, an invented evidence number, a description citing nothing', () => {
    const { limitations: _dropped, ...withoutLimitations } = validReport();
    expect(reportProblems(withoutLimitations, evidence)).toEqual([expect.stringMatching(/^limitations: /)]);
    const invented = {
      ...validReport(),
      key_findings: [{ finding: 'Glands', evidence: [7] }],
      microscopic_description: 'Glands.',
    };
    expect(reportProblems(invented, evidence)).toEqual([
      'key_findings.0.evidence: evidence [7] does not exist (use 1–4)',
      'microscopic_description: cite the evidence as [n] after each statement',
    ]);
    expect(reportProblems({ ...validReport(), notice: 'A diagnosis.' }, evidence)[0]).toMatch(/^notice: /);
  });

  it('assembles a valid skeleton from evidence with the template’s measurements not assessable', async () => {
    const templates = await loadReportTemplates();
    const colon = templates.get('colon')!;
    const skeleton = assembleReport(evidence, colon, { clinicalContext: null, modelId: 'tiny', demo: true });
    const report = { ...skeleton, microscopic_description: 'Crowded glands [1].' };
    expect(reportProblems(report, evidence)).toEqual([]);
    expect(report.candidate_diagnoses).toEqual([
      { diagnosis: 'colorectal adenocarcinoma epithelium', confidence: 'moderate', probability: 0.7, evidence: [3] },
    ]);
    expect(report.measurements[0]).toEqual({ name: 'Tissue area scanned', value: 'about 0.50 mm²', evidence: [2] });
    for (const wanted of colon.measurements)
      expect(report.measurements.find((measurement) => measurement.name.startsWith(wanted.name))?.value).toBe(
        notAssessable,
      );
    expect(report.limitations.some((limitation) => limitation.includes('demo model'))).toBe(true);
  });
});

describe('the "not assessable" rule', () => {
  const evidenceTexts = evidence.map(describeEvidence);

  it('finds sizes, areas, percentages, grades and counts, but not citations', () => {
    const claims = findNumericClaims(
      'A 12 mm tumour [3], 40% necrosis, Gleason 3+4=7, grade 2, 5 mitoses/10 HPF, 0.5 mm² of tissue, 3 x 2 cm.',
    );
    expect(claims.map((claim) => [claim.kind, claim.text])).toEqual([
      ['size', '12 mm'],
      ['percentage', '40%'],
      ['grade', 'Gleason 3+4=7'],
      ['grade', 'grade 2'],
      ['count', '5 mitoses/10 HPF'],
      ['area', '0.5 mm²'],
      ['size', '3 x 2 cm'],
    ]);
  });

  it('replaces the numbers no evidence gives and keeps those it does', () => {
    const { text, replaced } = replaceUnsupportedNumbers(
      'The tumour measures 12 mm and is grade 3; 0.50 mm² of tissue was scanned at 0.500 µm/px.',
      evidenceTexts,
    );
    expect(replaced).toEqual(['12 mm', 'grade 3']);
    expect(text).toBe(
      `The tumour measures ${notAssessable} and is grade ${notAssessable}; 0.50 mm² of tissue was scanned at 0.500 µm/px.`,
    );
  });

  it('turns a measurement its cited evidence does not give into "not assessable", everywhere in a report', () => {
    const report: Report = {
      ...validReport(),
      microscopic_description: 'Tumour occupies 60% of the tissue [4] and lies 2 mm from the margin [1].',
      measurements: [
        { name: 'Tissue area scanned', value: 'about 0.50 mm²', evidence: [2] },
        { name: 'Tumour size', value: '14 mm', evidence: [2] },
        { name: 'Margin', value: '0.5 mm', evidence: [] },
      ],
    };
    const { report: enforced, replaced } = enforceSupportedNumbers(report, evidence);
    expect(enforced.measurements.map((measurement) => measurement.value)).toEqual([
      'about 0.50 mm²',
      notAssessable,
      notAssessable,
    ]);
    expect(enforced.measurements[1]!.evidence).toEqual([]);
    // 60% is in the evidence (the prototype covers 60% of patches); 2 mm is not.
    expect(enforced.microscopic_description).toBe(
      `Tumour occupies 60% of the tissue [4] and lies ${notAssessable} from the margin [1].`,
    );
    expect(replaced).toEqual(expect.arrayContaining(['Tumour size: 14 mm', 'Margin: 0.5 mm', '2 mm']));
    expect(reportProblems(enforced, evidence)).toEqual([]);
  });
});

describe('JSON reports: repair, then ask again, then fail clearly', () => {
  it('repairs fenced JSON with trailing commas and single quotes, and sets the notice', () => {
    const text =
      "Here it is:\n```json\n{'specimen': {'site': 'colon', 'stain': 'H&E', 'description': 'x',}, 'limitations': ['one slide',],}\n```";
    const parsed = parseReportJson(text);
    expect(parsed?.value).toMatchObject({
      notice: draftNotice,
      specimen: { site: 'colon' },
      limitations: ['one slide'],
    });
    expect(parsed?.repairs).toEqual([
      'text around the JSON object removed',
      'JSON syntax repaired',
      'draft notice set',
    ]);
    expect(parseReportJson('no JSON here')).toBeNull();
  });

  it('names the problems of a reply in the instruction to try again, and accepts the corrected reply', () => {
    const broken = JSON.stringify({ ...validReport(), key_findings: [{ finding: 'Glands', evidence: [9] }] }).replace(
      /}$/,
      ',}',
    );
    const first = reviewReportReply(broken, evidence);
    expect(first).toMatchObject({
      report: null,
      problems: ['key_findings.0.evidence: evidence [9] does not exist (use 1–4)'],
      repairs: ['JSON syntax repaired'],
    });
    expect(first.retryInstruction).toContain('evidence [9] does not exist');
    expect(reviewReportReply(JSON.stringify(validReport()), evidence)).toEqual({
      report: validReport(),
      problems: [],
      repairs: [],
      retryInstruction: null,
    });
    expect(reviewReportReply('no JSON here', evidence).problems).toEqual(['the answer contains no JSON object']);
  });

  it('with the real tiny chat model, which writes no valid report: fails with report_generation_failed after the last attempt', async () => {
    const model = await TransformersLanguageModel.load({
      modelsDir: inject('modelsDir'),
      modelId: 'pathlens/tiny-chat',
    });
    try {
      const templates = await loadReportTemplates();
      const failure = await writeJsonReport(model, evidence, templates.get('general')!, {
        clinicalContext: null,
        maxAttempts: 3,
        maxNewTokens: 60,
      }).catch((error: unknown) => error);
      expect(PathLensError.is(failure, 'report_generation_failed')).toBe(true);
      expect((failure as PathLensError).message).toContain('3 attempt(s)');
      const attempts = (failure as PathLensError).details.attempts as { attempt: number; problems: string[] }[];
      expect(attempts.map((attempt) => attempt.attempt)).toEqual([1, 2, 3]);
      expect(attempts.every((attempt) => attempt.problems.length > 0)).toBe(true);
      expect(model.queue.stats()).toMatchObject({ running: 0, started: 3 }); // one generation per attempt
    } finally {
      await model.dispose();
    }
  });
});
