import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { embeddingColumn } from './embedding-column.ts';

/** An image with its caption: the teaching library that answers cite. */
export const imageTextPairs = pgTable(
  'image_text_pairs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Where the image is kept (a path under DATA_DIR); null for a caption imported without its image. */
    imageRef: text('image_ref'),
    /**
     * sha256 of the image bytes (of the caption for a text-only entry): the same content is
     * stored once.
     */
    contentSha256: text('content_sha256').notNull().unique(),
    caption: text('caption').notNull(),
    source: text('source'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    /** Image embedding (text→image, image→image); null for a text-only entry. */
    imageEmbedding: embeddingColumn('image_embedding'),
    /** Caption embedding (image→text, caption→caption). */
    captionEmbedding: embeddingColumn('caption_embedding').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('pairs_image_embedding_hnsw_idx')
      .using('hnsw', table.imageEmbedding.op('vector_cosine_ops'))
      .where(sql`${table.imageEmbedding} is not null`),
    index('pairs_caption_embedding_hnsw_idx').using('hnsw', table.captionEmbedding.op('vector_cosine_ops')),
    index('pairs_source_idx')
      .on(table.source)
      .where(sql`${table.source} is not null`),
  ],
);

export type ImageTextPairRow = typeof imageTextPairs.$inferSelect;
