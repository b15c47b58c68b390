import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { slides } from './slides.ts';

/**
 * A report draft for a slide: the schema-validated structure, its markdown, and the evidence
 * it cites. Always a draft for a pathologist's review; stored drafts become evidence for
 * similar slides.
 */
export const reports = pgTable(
  'reports',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slideId: uuid('slide_id')
      .notNull()
      .references(() => slides.id, { onDelete: 'cascade' }),
    templateId: text('template_id'),
    clinicalContext: text('clinical_context'),
    structured: jsonb('structured').$type<Record<string, unknown>>().notNull(),
    markdown: text('markdown').notNull(),
    model: text('model').notNull(),
    evidence: jsonb('evidence').$type<unknown[]>().notNull().default([]),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('reports_slide_idx').on(table.slideId)],
);

export type ReportRow = typeof reports.$inferSelect;
