import { describe, expect, it } from 'vitest';
import { loadConfig } from '@pathlens/core';
import { createPhiScrubber, phiCategories } from '@pathlens/library';

const scrubber = createPhiScrubber(phiCategories);
const scrub = (text: string) => scrubber.scrub(text).text;

describe('PHI scrubber', () => {
  it('replaces names after titles and labels, keeping the label', () => {
    expect(scrub('Seen by Dr. Jane Smith in clinic.')).toBe('Seen by Dr. [NAME] in clinic.');
    expect(scrub('Referring physician: Dr J. K. Rowling')).toBe('Referring physician: Dr [NAME]');
    expect(scrub('Patient: SMITH, John')).toBe('Patient: [NAME]');
    expect(scrub("Name: Maria O'Neil; signed out by: Prof. Alan Turing")).toBe(
      'Name: [NAME]; signed out by: Prof. [NAME]',
    );
    expect(scrub('Mrs. Okafor-Jones was reviewed by Mr Patel.')).toBe('Mrs. [NAME] was reviewed by Mr [NAME].');
    expect(scrub('PATHOLOGIST: Ana Lima')).toBe('PATHOLOGIST: [NAME]');
  });

  it('replaces record, accession and bare long numbers', () => {
    expect(scrub('MRN 12345678; MRN: 0099881')).toBe('MRN [ID]; MRN: [ID]');
    expect(scrub('Accession S23-12345 and SP-21-004512, block CH19-88')).toBe('Accession [ID] and [ID], block [ID]');
    expect(scrub('Specimen #12345678, MR# A-1234567, medical record number 55512345')).toBe(
      'Specimen #[ID], MR# [ID], medical record number [ID]',
    );
    expect(scrub('requisition 20230412998 received')).toBe('requisition [ID] received');
  });

  it('replaces dates in many formats', () => {
    for (const date of [
      '03/04/2021',
      '3.4.21',
      '2021-03-04',
      '2021/3/4',
      '12-05-2020',
      'March 3, 2021',
      '3 March 2021',
      '3rd of March',
      'Mar 2021',
      'Sept 14th, 1999',
      'Jan. 5',
    ]) {
      expect(scrub(`biopsy taken ${date} for review`), date).toBe('biopsy taken [DATE] for review');
    }
  });

  it('replaces phone numbers and e-mail addresses', () => {
    expect(scrub('Call (555) 123-4567 or 555.123.4567 or +44 20 7946 0958')).toBe('Call [PHONE] or [PHONE] or [PHONE]');
    expect(scrub('pager: 4471, tel 020 7946 0958; fax: +1 617-555-0199')).toBe(
      'pager: 4471, tel [PHONE]; fax: [PHONE]',
    );
    expect(scrub('Questions to j.smith@hospital.org.')).toBe('Questions to [EMAIL].');
  });

  it('counts every replacement by kind', () => {
    const result = scrubber.scrub(
      'Patient: John Smith, MRN 12345678, seen 2021-03-04 by Dr. Lee (555) 123-4567, lee@example.org',
    );
    expect(result.text).toBe('Patient: [NAME], MRN [ID], seen [DATE] by Dr. [NAME] [PHONE], [EMAIL]');
    expect(result.counts).toEqual({ names: 2, ids: 1, dates: 1, phones: 1, emails: 1 });
  });

  it('leaves ordinary pathology text alone', () => {
    const pathologyText = [
      'Tumour 3.5 cm in greatest dimension; margins 0.2 cm; specimen 1.2 x 0.8 x 0.5 cm.',
      'Acinar adenocarcinoma, Gleason score 3+4=7 (Grade Group 2), ISUP grade 2, WHO 2021.',
      'H&E, 20x; inset x400. Mitoses 5/10 HPF; Ki-67 30%; ER 90%, PR 10%, HER2 2+.',
      'pT2N0M0 (AJCC 8th edition); CK7+, CK20-, CD20+, p53 wild-type, BRAF V600E, t(11;14).',
      'May-Grunwald-Giemsa stain; stain name: Giemsa. Patient: 45-year-old man. Patient: Female, 62.',
      'Fig. 12-3 shows 1,000,000 cells/mL; case no. 3; Dr. and nurse; mitoses may 10 per field.',
      'This image shows hemorrhage secondary to ruptured aneurysm. Abdomen is present.',
      'Q: What are positively charged,  thus allowing the compaction of the negatively charged DNA ? A: the histone subunits',
    ];
    for (const text of pathologyText) expect(scrub(text), text).toBe(text);
  });

  it('does only what PHI_SCRUBBING turns on', () => {
    const text = 'Dr. Lee saw MRN 12345678 on 2021-03-04.';
    expect(
      createPhiScrubber(loadConfig({ environment: { PHI_SCRUBBING: 'false' } }).phiScrubbing).scrub(text).text,
    ).toBe(text);
    expect(
      createPhiScrubber(loadConfig({ environment: { PHI_SCRUBBING: 'dates, ids' } }).phiScrubbing).scrub(text).text,
    ).toBe('Dr. Lee saw MRN [ID] on [DATE].');
    expect(loadConfig({ environment: {} }).phiScrubbing).toEqual([...phiCategories]);
    expect(() => loadConfig({ environment: { PHI_SCRUBBING: 'names,faces' } })).toThrow(
      /PHI_SCRUBBING \(--phi-scrubbing\): must be true, false, or a comma-separated list/,
    );
  });
});
