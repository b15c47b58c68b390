import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeEvidence,
  draftNotice,
  findNumericClaims,
  isSupported,
  notAssessable,
  reportProblems,
  reportSchema,
  type EvidenceItem,
  type Report,
} from '@pathlens/assistant';
import { sharedDataFile } from '../helpers/shared-data.ts';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { uploadAndIngest } from './chat-test-slides.ts';

const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');

interface ReportResponse {
  id: string;
  slide_id: string;
  template_id: string;
  notice: string;
  report: Report;
  markdown: string;
  evidence: EvidenceItem[];
  attempts: { attempt: number; problems: string[] }[];
  replaced_numbers: string[];
  warnings: string[];
}

/** Every number in the report's free text and measurements is one some evidence item states. */
function unsupportedNumbersIn(report: Report, evidence: EvidenceItem[]): string[] {
  const evidenceClaims = evidence.map(describeEvidence).flatMap(findNumericClaims);
  const texts = [
    report.specimen.description,
    report.microscopic_description,
    ...report.candidate_diagnoses.map((candidate) => candidate.diagnosis),
    ...report.key_findings.map((finding) => finding.finding),
    ...report.measurements.map((measurement) => measurement.value),
  ];
  return texts
    .flatMap(findNumericClaims)
    .filter((claim) => !isSupported(claim, evidenceClaims))
    .map((claim) => claim.text);
}

function expectValidCitedReport(body: ReportResponse) {
  expect(reportSchema.parse(body.report)).toEqual(body.report);
  expect(reportProblems(body.report, body.evidence)).toEqual([]);
  expect(body.notice).toBe(draftNotice);
  expect(body.markdown.startsWith('# ')).toBe(true);
  expect(body.markdown).toContain(`> **${draftNotice}**`);
  expect(body.markdown.trimEnd().endsWith(`_${draftNotice}_`)).toBe(true);
  const numbers = new Set(body.evidence.map((item) => item.n));
  const cited = [...body.report.microscopic_description.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1]));
  expect(cited.length).toBeGreaterThan(0);
  for (const n of [...cited, ...body.report.key_findings.flatMap((finding) => finding.evidence)])
    expect(numbers.has(n)).toBe(true);
  expect(unsupportedNumbersIn(body.report, body.evidence)).toEqual([]);
}

describe('report drafts', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let fixtureDir: string;
  let colonSlideId: string;
  let otherSlideId: string;

  beforeAll(async () => {
    test = await startTestServer();
    baseUrl = test.server.url;
    fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-reports-'));
    const colon = path.join(fixtureDir, 'colon.png');
    const other = path.join(fixtureDir, 'other.png');
    await writeTwoStainSlide(colon, { widthPx: 896, heightPx: 448 });
    await writeTwoStainSlide(other, { widthPx: 672, heightPx: 448 });
    colonSlideId = (await uploadAndIngest(baseUrl, colon, { metadata: { organ: 'colon', stain: 'H&E' } })).id;
    otherSlideId = (await uploadAndIngest(baseUrl, other)).id;
  });
  afterAll(async () => {
    await test?.dispose();
    await rm(fixtureDir, { recursive: true, force: true });
  });

  const draft = (body: Record<string, unknown>) =>
    fetch(`${baseUrl}/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  let drafted: ReportResponse;

  it('drafts a schema-valid report from the organ’s template that cites its evidence and states no unsupported number', async () => {
    const response = await draft({
      slide_id: colonSlideId,
      clinical_context: 'Polyp of 12 mm, 30% villous, query grade 2 dysplasia.',
    });
    expect(response.status).toBe(201);
    drafted = (await response.json()) as ReportResponse;
    expectValidCitedReport(drafted);
    expect(drafted.template_id).toBe('colon');
    expect(drafted.report.specimen).toMatchObject({ site: 'colon', stain: 'H&E' });
    // Candidates come from the colon's label set only, with capped confidence and their finding cited.
    expect(drafted.report.candidate_diagnoses.length).toBeGreaterThan(0);
    for (const candidate of drafted.report.candidate_diagnoses) {
      expect(candidate.confidence).not.toBe('high');
      const cited = drafted.evidence.find((item) => item.n === candidate.evidence[0]);
      expect(cited).toMatchObject({ kind: 'finding', labelSetId: 'crc-tissue-types' });
    }
    // Measurements: what the slide's facts give, and the template's others not assessable.
    const byName = new Map(drafted.report.measurements.map((measurement) => [measurement.name, measurement.value]));
    expect(byName.get('Scan resolution')).toBe('0.500 µm/px');
    expect(byName.get('Tumour size (mm)')).toBe(notAssessable);
    expect(byName.get('Differentiation grade')).toBe(notAssessable);
    // The requester's numbers are recorded as context, never reported as findings.
    const reportText = JSON.stringify(drafted.report);
    for (const number of ['12 mm', '30%', 'grade 2']) expect(reportText).not.toContain(number);
    expect(drafted.warnings[0]).toMatch(/DEMO MODELS/);
  });

  it('stores the report: GET /v1/reports/:id and the slide’s report list return it', async () => {
    const stored = (await (await fetch(`${baseUrl}/v1/reports/${drafted.id}`)).json()) as Record<string, any>;
    expect(stored).toMatchObject({
      id: drafted.id,
      slide_id: colonSlideId,
      template_id: 'colon',
      notice: draftNotice,
      report: drafted.report,
      markdown: drafted.markdown,
      evidence: drafted.evidence,
    });
    expect(stored.clinical_context).toContain('12 mm');
    const list = (await (await fetch(`${baseUrl}/v1/slides/${colonSlideId}/reports`)).json()) as {
      data: { id: string }[];
    };
    expect(list.data.map((report) => report.id)).toEqual([drafted.id]);
    expect((await fetch(`${baseUrl}/v1/reports/00000000-0000-4000-8000-000000000000`)).status).toBe(404);
  });

  it('makes a stored report evidence for a similar slide', async () => {
    const response = await fetch(`${baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        messages: [{ role: 'user', content: 'Where are the purple nuclei?' }],
        slide_id: otherSlideId,
        max_tokens: 30,
      }),
    });
    const body = (await response.json()) as { evidence: EvidenceItem[] };
    const similar = body.evidence.find(
      (item): item is Extract<EvidenceItem, { kind: 'similar-slide' }> =>
        item.kind === 'similar-slide' && item.id === colonSlideId,
    );
    expect(similar?.report?.id).toBe(drafted.id);
    expect(similar?.report?.summary).toContain('candidate diagnoses');
  });

  it('with "mode": "json", fails clearly after REPORT_MAX_ATTEMPTS when the model writes no valid JSON, and stores nothing', async () => {
    const response = await draft({ slide_id: otherSlideId, mode: 'json' });
    expect(response.status).toBe(502);
    const { error } = (await response.json()) as {
      error: { code: string; message: string; details: { attempts: { problems: string[] }[] } };
    };
    expect(error.code).toBe('report_generation_failed');
    expect(error.message).toContain('"mode": "assembled"');
    expect(error.details.attempts).toHaveLength(test.config.reportMaxAttempts);
    const list = (await (await fetch(`${baseUrl}/v1/slides/${otherSlideId}/reports`)).json()) as { data: unknown[] };
    expect(list.data).toEqual([]);
    const [audited] = (
      (await (await fetch(`${baseUrl}/v1/audit?action=report&limit=1`)).json()) as { data: Record<string, any>[] }
    ).data;
    expect(audited).toMatchObject({ action: 'report', slide_id: otherSlideId, status: 502, report_id: null });
  });

  it('refuses bad requests with a code and a way to fix them', async () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ slide_id: 'nope' }, 400, 'invalid_request'],
      [{ slide_id: '00000000-0000-4000-8000-000000000000' }, 404, 'slide_not_found'],
      [{ slide_id: colonSlideId, template_id: 'kidney' }, 404, 'not_found'],
      [{ slide_id: colonSlideId, mode: 'free-text' }, 400, 'invalid_request'],
    ];
    for (const [body, status, code] of cases) {
      const response = await draft(body);
      expect(response.status).toBe(status);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    const templates = (await (await fetch(`${baseUrl}/v1/report-templates`)).json()) as { data: { id: string }[] };
    expect(templates.data.map((template) => template.id)).toEqual(
      expect.arrayContaining(['general', 'colon', 'skin', 'breast', 'lung', 'prostate']),
    );
  });

  describe.skipIf(!realSvs)('the real Aperio SVS (CMU-1-Small-Region)', () => {
    it('drafts a valid report that cites its evidence and contains no unsupported number', async () => {
      const slide = await uploadAndIngest(baseUrl, realSvs!, { metadata: { organ: 'skin' } });
      const response = await draft({ slide_id: slide.id });
      expect(response.status).toBe(201);
      const body = (await response.json()) as ReportResponse;
      expectValidCitedReport(body);
      expect(body.template_id).toBe('skin');
      expect(body.evidence.some((item) => item.kind === 'prototype')).toBe(true);
      const area = body.report.measurements.find((measurement) => measurement.name === 'Tissue area scanned')!;
      const facts = body.evidence.find((item) => item.kind === 'slide-facts') as Extract<
        EvidenceItem,
        { kind: 'slide-facts' }
      >;
      expect(area).toEqual({
        name: 'Tissue area scanned',
        value: `about ${facts.tissueAreaMm2!.toFixed(2)} mm²`,
        evidence: [facts.n],
      });
      expect(body.report.measurements.find((measurement) => measurement.name.startsWith('Breslow'))?.value).toBe(
        notAssessable,
      );
    }, 300_000);
  });
});
