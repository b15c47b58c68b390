import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEvidence, reportProblems, reportSchema, type EvidenceItem, type Report } from '@pathlens/assistant';
import { sharedDataFile } from '../helpers/shared-data.ts';
import { stainColours, stainPatchPng } from '../helpers/stain-fixtures.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { uploadAndIngest } from '../server/chat-test-slides.ts';

const realSvs = sharedDataFile('wsi/CMU-1-Small-Region.svs');

/** PathGen-style patch descriptions: 390–900 characters each, as in the caption sets users import. */
const longCaptions = [
  'The image shows skin with a keratinised squamous epithelium overlying a dermis rich in collagen. The epidermis shows regular maturation from a basal layer of small cuboidal cells to flattened surface keratinocytes, with a compact orthokeratotic layer. Within the papillary dermis there are scattered lymphocytes around small vessels, and adnexal structures are present deeper, including a hair follicle and a sebaceous gland. No atypical melanocytes, mitoses or necrosis are seen in this field.',
  'A dense dermal infiltrate of purple-staining cells with large hyperchromatic nuclei, irregular nuclear membranes and scant cytoplasm forms nests and cords that extend between thick collagen bundles. Several cells show prominent nucleoli, and occasional mitotic figures are present. The stroma around the nests is desmoplastic and contains a patchy lymphocytic infiltrate. The overlying epidermis is thinned. These features would warrant correlation with the whole slide and immunohistochemistry before any conclusion is drawn about the nature of the infiltrate.',
  'Pink eosinophilic collagen fills most of the field, arranged in wavy bundles with few spindle-shaped fibroblasts between them. Small capillaries lined by flat endothelial cells run through the stroma, and a few extravasated red cells are seen. There is no inflammatory infiltrate of note and no epithelial component in this region. At the lower border, lobules of mature adipose tissue with thin septa begin, and the transition between dermis and subcutis is sharp.',
].map((caption) => caption.repeat(2));

describe.skipIf(!realSvs)(
  'issue 11.1 on the real SVS: report drafts validate and cite evidence with long captions in the library',
  () => {
    let test: Awaited<ReturnType<typeof startTestServer>>;

    beforeAll(async () => {
      test = await startTestServer();
      const colours = [stainColours.eosin, stainColours.hematoxylin, [240, 200, 220]] as const;
      for (const [index, caption] of longCaptions.entries()) {
        const image = `data:image/png;base64,${(await stainPatchPng(colours[index]!, 40 + index, 96)).toString('base64')}`;
        const response = await fetch(`${test.server.url}/v1/pairs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ image, caption, source: 'long-captions' }),
        });
        expect(response.status).toBe(201);
      }
    });
    afterAll(async () => {
      await test?.dispose();
    });

    it('drafts a schema-valid report whose findings quote bounded excerpts and cite the evidence they come from', async () => {
      const slide = await uploadAndIngest(test.server.url, realSvs!, { metadata: { organ: 'skin' } });
      const response = await fetch(`${test.server.url}/v1/reports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ slide_id: slide.id }),
      });
      const body = (await response.json()) as { report: Report; evidence: EvidenceItem[]; error?: { message: string } };
      expect(body.error?.message).toBeUndefined();
      expect(response.status).toBe(201);
      expect(reportSchema.parse(body.report)).toEqual(body.report);
      expect(reportProblems(body.report, body.evidence)).toEqual([]);
      const quoting = body.report.key_findings.filter((finding) => /library caption/.test(finding.finding));
      expect(quoting.length).toBeGreaterThan(0);
      const numbers = new Set(body.evidence.map((item) => item.n));
      for (const finding of quoting) {
        expect(finding.finding.length).toBeLessThanOrEqual(500);
        expect(numbers.has(finding.evidence[0]!)).toBe(true);
        const quoted = finding.finding.match(/"([^"]+)"/)![1]!;
        expect(describeEvidence(body.evidence.find((item) => item.n === finding.evidence[0])!)).toContain(quoted);
      }
    }, 300_000);
  },
);
