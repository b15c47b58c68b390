import { index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const auditActions = ['chat', 'report', 'delete', 'purge'] as const;

/** One chat, report or deletion request: who asked what about which slide, with which model and evidence. */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** API key id or user name; `anonymous` until authentication exists. */
    actor: text('actor').notNull(),
    action: text('action', { enum: auditActions }).notNull(),
    slideId: uuid('slide_id'),
    conversationId: uuid('conversation_id'),
    reportId: uuid('report_id'),
    model: text('model'),
    evidenceIds: jsonb('evidence_ids').$type<string[]>().notNull().default([]),
    /** Numbers the model wrote that no evidence gives (flagged or replaced in what the user saw). */
    unsupportedNumbers: jsonb('unsupported_numbers').$type<string[]>().notNull().default([]),
    /** The model's text as it wrote it, when what the user saw was changed (unsupported numbers flagged); else null. */
    originalText: text('original_text'),
    durationMs: integer('duration_ms').notNull(),
    /** HTTP status the request ended with. */
    status: integer('status').notNull(),
    /** For a deletion: what kind of thing and which one (`slide`, `pair`, `conversation`, `report`, `patient`). */
    targetKind: text('target_kind'),
    targetId: text('target_id'),
    /** For a deletion: how many rows and files went, never what they held. */
    deletedCounts: jsonb('deleted_counts').$type<Record<string, number>>(),
  },
  (table) => [index('audit_events_at_idx').on(table.at)],
);

export type AuditEventRow = typeof auditEvents.$inferSelect;
