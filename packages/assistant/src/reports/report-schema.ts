import { z } from 'zod';
import { draftNotice } from '../draft-notice.ts';

/** Evidence numbers a statement rests on: `[n]` of the report's evidence list. */
const evidenceReferences = z.array(z.number().int().positive()).max(20);

/**
 * A report draft, as validated before it is returned or stored (snake_case: it is a document a
 * model may be asked to write as JSON). Evidence references must exist in the report's evidence
 * list, and measurement values must be given by the evidence they cite or say
 * "not assessable from the available evidence": `reportProblems` checks both.
 */
export const reportSchema = z.object({
  notice: z.literal(draftNotice),
  specimen: z.object({
    /** Organ or site; "not recorded" when the slide's metadata has none. */
    site: z.string().trim().min(1),
    stain: z.string().trim().min(1),
    /** One line about the material examined (slide name, size, tissue area). */
    description: z.string().trim().min(1).max(1000),
  }),
  /** Candidates from the label sets and similar slides' reports, most likely first; never a final diagnosis. */
  candidate_diagnoses: z
    .array(
      z.object({
        diagnosis: z.string().trim().min(1).max(200),
        confidence: z.enum(['low', 'moderate', 'high']),
        /** The zero-shot probability behind it, when it came from one. */
        probability: z.number().min(0).max(1).nullable(),
        evidence: evidenceReferences.min(1),
      }),
    )
    .max(8),
  microscopic_description: z.string().trim().min(1).max(4000),
  key_findings: z
    .array(z.object({ finding: z.string().trim().min(1).max(500), evidence: evidenceReferences.min(1) }))
    .max(12),
  /** Only what evidence gives; the template's other measurements say "not assessable from the available evidence". */
  measurements: z
    .array(
      z.object({
        name: z.string().trim().min(1).max(120),
        value: z.string().trim().min(1).max(200),
        evidence: evidenceReferences,
      }),
    )
    .max(20),
  limitations: z.array(z.string().trim().min(1).max(500)).min(1).max(12),
});

export type Report = z.output<typeof reportSchema>;
