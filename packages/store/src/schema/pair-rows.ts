import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Every imported row's link to the library entry that holds its content: a caption shared by
 * many slides (one row per slide) is stored once in `image_text_pairs`, and each row's own
 * fields (slide id, subtype, other metadata) are kept here, so no row's link is lost.
 */
export const pairRows = pgTable(
  'pair_rows',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** `image_text_pairs.content_sha256` of the entry the row's content is stored as. */
    pairContentSha256: text('pair_content_sha256').notNull(),
    source: text('source'),
    /** The row's other fields, as imported (scrubbed like the caption). */
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    /** sha256 of the entry's hash, source and metadata: the same row imported again is kept once. */
    rowSha256: text('row_sha256').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('pair_rows_pair_idx').on(table.pairContentSha256)],
);

export type PairRowRow = typeof pairRows.$inferSelect;
