import { z } from 'zod';

/**
 * A report template: a data file per organ (`report-templates/<id>.json`), so a lab can add
 * its own without code. Field meanings are in report-templates/README.md.
 */
export const reportTemplateSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lower-case letters, digits and dashes'),
  name: z.string().min(1),
  /** Slide `metadata.organ` values (lower-case) this template is chosen for. */
  organs: z.array(z.string().min(1)).default([]),
  /** Specimen site written when the slide's metadata has none. */
  default_site: z.string().min(1).default('not recorded'),
  /** Text the evidence is gathered for (what a report on this organ must look at). */
  evidence_query: z.string().min(1),
  /** Label sets read out as zero-shot findings for slides of this organ (chat and reports); another organ's set would
   * only mislead.
   */
  finding_label_sets: z.array(z.string().min(1)).default([]),
  /** Those of `finding_label_sets` whose classes are diagnoses: their findings become candidate diagnoses (empty:
   * none).
   */
  candidate_label_sets: z.array(z.string().min(1)).default([]),
  /** The instruction the model gets for the microscopic description. */
  description_instruction: z.string().min(1),
  /** Measurements this organ's report asks for; each says "not assessable…" unless evidence gives it. */
  measurements: z
    .array(z.object({ name: z.string().min(1), unit: z.string().min(1).nullable().default(null) }))
    .default([]),
  /** Terms a report on this organ is expected to use (evaluation: key-term recall). */
  key_terms: z.array(z.string().min(1)).default([]),
  /** Limitations stated in every report from this template. */
  limitations: z.array(z.string().min(1)).default([]),
});

export type ReportTemplate = z.output<typeof reportTemplateSchema>;
