import { integer, jsonb, pgTable, real, unique, uuid } from 'drizzle-orm/pg-core';
import { embeddingColumn } from './embedding-column.ts';
import { slides } from './slides.ts';

/**
 * k-means prototypes of a slide's patch embeddings: a few characteristic regions instead of
 * thousands of near-duplicates, for chat evidence and reports.
 */
export const slidePrototypes = pgTable(
  'slide_prototypes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slideId: uuid('slide_id')
      .notNull()
      .references(() => slides.id, { onDelete: 'cascade' }),
    /** 0-based cluster number within the slide. */
    clusterIndex: integer('cluster_index').notNull(),
    /** Share of the slide's patches in this cluster, 0–1. */
    weight: real('weight').notNull(),
    /** Cluster centre, L2-normalised. */
    embedding: embeddingColumn('embedding').notNull(),
    /** Patch ids nearest the centre, most representative first. */
    representativePatchIds: jsonb('representative_patch_ids').$type<number[]>().notNull(),
  },
  (table) => [unique('slide_prototypes_slide_cluster_unique').on(table.slideId, table.clusterIndex)],
);

export type SlidePrototypeRow = typeof slidePrototypes.$inferSelect;
