import { createHash } from 'node:crypto';
import type {
  Bundle,
  BundleEntry,
  DiagnosticReport,
  Extension,
  Media,
  Observation,
  Reference,
  Resource,
  Specimen,
} from '@medplum/fhirtypes';
import type { EvidenceItem } from '../evidence.ts';
import type { Report } from './report-schema.ts';

/** Identifier systems and extension URLs PathLens mints (URNs: no web address is implied). */
export const pathLensFhirSystems = {
  report: 'urn:pathlens:report',
  slide: 'urn:pathlens:slide',
  slideSha256: 'urn:pathlens:slide-sha256',
  patch: 'urn:pathlens:patch',
  /** On the DiagnosticReport: one complex extension per evidence item (`n`, `kind`, `id`, `description`, `url`). */
  evidenceExtension: 'urn:pathlens:fhir:extension:evidence',
  /** On an Observation: the `[n]` of each evidence item the statement cites. */
  citationExtension: 'urn:pathlens:fhir:extension:cites-evidence',
} as const;

const loinc = 'http://loinc.org';

/** What the bundle says about the slide the report is on. */
export interface FhirSlideFacts {
  id: string;
  name: string;
  contentSha256: string;
  widthPx: number;
  heightPx: number;
  /** Where a client reads the slide through the API (e.g. `/v1/slides/<id>`). */
  url: string;
}

export interface FhirReportInput {
  id: string;
  report: Report;
  markdown: string;
  evidence: EvidenceItem[];
  createdAt: Date;
  model: string;
  slide: FhirSlideFacts;
}

/**
 * A report draft as a FHIR R4 `collection` Bundle a laboratory system can file: a
 * `DiagnosticReport` (status `preliminary`, the draft notice opening `conclusion`, the markdown
 * as `presentedForm`), one `Observation` per candidate diagnosis, key finding, measurement and
 * the microscopic description, a `Specimen`, the slide as a `Media` (identified by its PathLens
 * id and file sha256), and each cited slide region as a `Media` the Observations are `derivedFrom`.
 * Every citation `[n]` is kept as an extension, so nothing of the evidence trail is lost.
 *
 * @example
 * const bundle = reportFhirBundle({ id, report, markdown, evidence, createdAt, model, slide });
 */
export function reportFhirBundle(input: FhirReportInput): Bundle {
  const { report, slide } = input;
  const fullUrl = (kind: string, key: string) => `urn:uuid:${stableUuid(`${input.id}/${kind}/${key}`)}`;
  const entries: BundleEntry[] = [];
  const add = <T extends Resource>(url: string, resource: T): Reference<T> => {
    entries.push({ fullUrl: url, resource });
    return { reference: url };
  };

  const slideReference = add(fullUrl('slide', slide.id), {
    resourceType: 'Media',
    status: 'completed',
    identifier: [
      { system: pathLensFhirSystems.slide, value: slide.id },
      { system: pathLensFhirSystems.slideSha256, value: slide.contentSha256 },
    ],
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'image', display: 'Image' }] },
    modality: { text: 'Whole slide image' },
    width: slide.widthPx,
    height: slide.heightPx,
    content: { title: slide.name, url: slide.url },
  } satisfies Media);
  const specimenReference = add(fullUrl('specimen', slide.id), {
    resourceType: 'Specimen',
    identifier: [{ system: pathLensFhirSystems.slide, value: slide.id }],
    type: { text: report.specimen.site },
    processing: [{ description: `Stain: ${report.specimen.stain}` }],
    note: [{ text: report.specimen.description }],
  } satisfies Specimen);

  // Cited regions become Media resources, so statements can point at them with derivedFrom.
  const evidenceReferences = new Map<number, Reference<Media>>();
  for (const item of input.evidence) {
    if (item.kind === 'slide-facts') evidenceReferences.set(item.n, slideReference);
    if ((item.kind === 'patch' || item.kind === 'prototype') && item.thumbnailUrl) {
      evidenceReferences.set(
        item.n,
        add(fullUrl('evidence', String(item.n)), {
          resourceType: 'Media',
          status: 'completed',
          identifier: [
            { system: pathLensFhirSystems.patch, value: item.kind === 'patch' ? item.id : (item.patchId ?? item.id) },
          ],
          type: {
            coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'image', display: 'Image' }],
          },
          modality: { text: 'Whole slide image region' },
          content: { contentType: 'image/jpeg', url: item.thumbnailUrl, title: `Evidence [${item.n}]` },
          note: [{ text: evidenceSummary(item) }],
        } satisfies Media),
      );
    }
  }

  const observation = (
    key: string,
    code: Observation['code'],
    value: string,
    cited: number[],
    extra: Partial<Observation> = {},
  ): Reference<Observation> =>
    add(fullUrl('observation', key), {
      resourceType: 'Observation',
      status: 'preliminary',
      code,
      specimen: specimenReference,
      issued: input.createdAt.toISOString(),
      valueString: value,
      ...(cited.length
        ? { extension: cited.map((n) => ({ url: pathLensFhirSystems.citationExtension, valueInteger: n })) }
        : {}),
      ...(derivedFrom(cited, evidenceReferences).length ? { derivedFrom: derivedFrom(cited, evidenceReferences) } : {}),
      ...extra,
    } satisfies Observation);

  const results: Reference<Observation>[] = [];
  results.push(
    observation(
      'microscopic',
      {
        coding: [{ system: loinc, code: '22635-7', display: 'Path report.microscopic observation' }],
        text: 'Microscopic description',
      },
      report.microscopic_description,
      [],
    ),
  );
  report.candidate_diagnoses.forEach((candidate, index) =>
    results.push(
      observation(
        `candidate/${index}`,
        { text: 'Candidate diagnosis (draft, not a final diagnosis)' },
        candidate.diagnosis,
        candidate.evidence,
        {
          component: [
            { code: { text: 'confidence' }, valueString: candidate.confidence },
            ...(candidate.probability !== null
              ? [
                  {
                    code: { text: 'zero-shot probability' },
                    valueQuantity: {
                      value: candidate.probability,
                      unit: '1',
                      system: 'http://unitsofmeasure.org',
                      code: '1',
                    },
                  },
                ]
              : []),
          ],
        },
      ),
    ),
  );
  report.key_findings.forEach((finding, index) =>
    results.push(observation(`finding/${index}`, { text: 'Key finding' }, finding.finding, finding.evidence)),
  );
  report.measurements.forEach((measurement, index) =>
    results.push(
      observation(`measurement/${index}`, { text: measurement.name }, measurement.value, measurement.evidence),
    ),
  );

  const diagnosticReport: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    identifier: [{ system: pathLensFhirSystems.report, value: input.id }],
    status: 'preliminary',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/v2-0074', code: 'SP', display: 'Surgical Pathology' },
        ],
      },
    ],
    code: { coding: [{ system: loinc, code: '11526-1', display: 'Pathology study' }], text: 'Pathology report draft' },
    issued: input.createdAt.toISOString(),
    performer: [{ display: `PathLens draft (model ${input.model})` }],
    specimen: [specimenReference],
    result: results,
    media: [{ comment: 'Slide the draft describes', link: slideReference }],
    conclusion: conclusionText(report),
    presentedForm: [
      {
        contentType: 'text/markdown',
        title: `${slide.name} — draft report`,
        data: Buffer.from(input.markdown, 'utf8').toString('base64'),
      },
    ],
    extension: input.evidence.map(evidenceExtension),
  };
  entries.unshift({ fullUrl: fullUrl('report', input.id), resource: diagnosticReport });
  return { resourceType: 'Bundle', type: 'collection', timestamp: input.createdAt.toISOString(), entry: entries };
}

function derivedFrom(cited: number[], evidenceReferences: ReadonlyMap<number, Reference<Media>>): Reference<Media>[] {
  const references = cited
    .map((n) => evidenceReferences.get(n))
    .filter((reference): reference is Reference<Media> => reference !== undefined);
  return [...new Map(references.map((reference) => [reference.reference, reference])).values()];
}

/** The draft notice first, then the candidates and the limitations: what a reader of `conclusion` alone must know. */
function conclusionText(report: Report): string {
  const candidates = report.candidate_diagnoses.length
    ? `Candidate diagnoses: ${report.candidate_diagnoses.map((candidate) => `${candidate.diagnosis} (${candidate.confidence} confidence)`).join('; ')}.`
    : 'No candidate diagnosis is supported by the available evidence.';
  return [report.notice, candidates, `Limitations: ${report.limitations.join(' ')}`].join(' ');
}

function evidenceExtension(item: EvidenceItem): Extension {
  return {
    url: pathLensFhirSystems.evidenceExtension,
    extension: [
      { url: 'n', valueInteger: item.n },
      { url: 'kind', valueCode: item.kind },
      { url: 'id', valueString: item.id },
      { url: 'description', valueString: evidenceSummary(item) },
      ...(item.thumbnailUrl ? [{ url: 'url', valueString: item.thumbnailUrl }] : []),
    ],
  };
}

function evidenceSummary(item: EvidenceItem): string {
  switch (item.kind) {
    case 'slide-facts':
      return `Slide facts of ${item.name}`;
    case 'finding':
      return `Zero-shot finding "${item.label}" (${item.labelSetName}), p = ${item.probability.toFixed(2)}`;
    case 'patch':
      return `Region at level-0 (${item.xLevel0}, ${item.yLevel0}), ${item.sizeLevel0Px} px`;
    case 'prototype':
      return `Characteristic region ${item.clusterIndex + 1} (${Math.round(item.weight * 100)}% of patches)`;
    case 'similar-slide':
      return `Similar slide ${item.name} (similarity ${item.score.toFixed(2)})`;
    case 'pair':
      return `Library caption "${item.caption}"`;
    case 'image':
      return `Picture ${item.imageNumber} sent with the question (${item.fileName})`;
  }
}

/** A UUID (version 5 layout) derived from a key, so the same report always exports the same fullUrls. */
function stableUuid(key: string): string {
  const bytes = createHash('sha1').update(`pathlens:${key}`).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
