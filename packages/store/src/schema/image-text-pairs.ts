import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { embeddingColumn } from './embedding-column.ts';

/** An image with its caption: the teaching library that answers cite. */
export const imageTextPairs = pgTable(
  'image_text_pairs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Where the image is kept (a path under DATA_DIR, or the reference given at import). */
    imageRef: text('image_ref').notNull(),
    /** sha256 of the image bytes: the same image is stored once. */
    imageSha256: text('image_sha256').notNull().unique(),
    caption: text('caption').notNull(),
    source: text('source'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    /** Image embedding (text→image, image→image). */
    imageEmbedding: embeddingColumn('image_embedding').notNull(),
    /** Caption embedding (image→text, caption→caption). */
    captionEmbedding: embeddingColumn('caption_embedding').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('pairs_image_embedding_hnsw_idx').using('hnsw', table.imageEmbedding.op('vector_cosine_ops')),
    index('pairs_caption_embedding_hnsw_idx').using('hnsw', table.captionEmbedding.op('vector_cosine_ops')),
    index('pairs_source_idx').on(table.source).where(sql`${table.source} is not null`),
  ],
);

export type ImageTextPairRow = typeof imageTextPairs.$inferSelect;
