import { bigserial, integer, pgTable, real, unique, uuid } from 'drizzle-orm/pg-core';
import { embeddingColumn } from './embedding-column.ts';
import { slides } from './slides.ts';

/**
 * One tissue patch of a slide. No approximate index in the schema, on purpose: a slide has
 * thousands to tens of thousands of patches, HNSW insertion costs 3–6 ms a row in embedded
 * PGlite, and questions about a slide search within that slide, where an exact scan over the
 * `slide_id` index is fast and exact. Search across all slides on a PostgreSQL server gets an
 * IVFFlat index built after bulk load, outside the migrations (see patch-index/).
 */
export const patches = pgTable(
  'patches',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    slideId: uuid('slide_id')
      .notNull()
      .references(() => slides.id, { onDelete: 'cascade' }),
    /** Top-left corner in level-0 pixels. */
    xLevel0: integer('x_level0').notNull(),
    yLevel0: integer('y_level0').notNull(),
    /** Side in level-0 pixels. */
    sizeLevel0Px: integer('size_level0_px').notNull(),
    /** Share of tissue pixels, 0–1. */
    tissueFraction: real('tissue_fraction').notNull(),
    embedding: embeddingColumn('embedding').notNull(),
  },
  // The unique index leads with slide_id, so it also serves "all patches of a slide".
  (table) => [unique('patches_slide_position_unique').on(table.slideId, table.xLevel0, table.yLevel0)],
);

export type PatchRow = typeof patches.$inferSelect;
