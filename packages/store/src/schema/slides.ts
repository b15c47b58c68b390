import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { embeddingColumn } from './embedding-column.ts';

export const slideStatuses = ['queued', 'running', 'ready', 'failed'] as const;
export type SlideStatus = (typeof slideStatuses)[number];

/** One whole-slide image (or plain image) and its ingestion state; the row is the ingestion job. */
export const slides = pgTable(
  'slides',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    /** Where the pixels come from: a file on this server, or a series on a configured DICOMweb server. */
    source: text('source', { enum: ['file', 'dicomweb'] })
      .notNull()
      .default('file'),
    /**
     * Where the file lives on the server (an upload is copied under DATA_DIR first); for a
     * DICOMweb slide, `dicomweb:<endpoint>/studies/<uid>/series/<uid>` (re-read from there).
     */
    filePath: text('file_path').notNull(),
    /** A DICOMweb slide's Series Instance UID: the same series ingests once. Null for files. */
    seriesInstanceUid: text('series_instance_uid').unique(),
    /** sha256 of the file's bytes: the same file ingests once (a DICOMweb slide: of its series UID). */
    contentSha256: text('content_sha256').notNull().unique(),
    format: text('format').notNull(),
    vendor: text('vendor'),
    widthPx: integer('width_px').notNull(),
    heightPx: integer('height_px').notNull(),
    /** µm per level-0 pixel; null when the file has none. */
    mppX: real('mpp_x'),
    mppY: real('mpp_y'),
    objectivePower: real('objective_power'),
    /**
     * Where the MPP came from: a provenance in the file (`pixel_spacing`, `imaged_volume`,
     * `scanner_metadata`, `ome_physical_size`, `tiff_resolution`, `image_density`), the user
     * (`user`), or none (tiled at level 0 by choice). Rows from before provenance say `file` / `request`.
     */
    mppSource: text('mpp_source', {
      enum: [
        'pixel_spacing',
        'imaged_volume',
        'scanner_metadata',
        'ome_physical_size',
        'tiff_resolution',
        'image_density',
        'user',
        'none',
        'file',
        'request',
      ],
    })
      .notNull()
      .default('file'),
    /** What a reader of the slide's results should know (a flagged MPP, patches upsampled from a coarse source). */
    warnings: jsonb('warnings').$type<string[]>().notNull().default([]),
    /** µm per pixel the patches were tiled at; null when tiled at level 0 without a known MPP. */
    targetMpp: real('target_mpp'),
    /** Organ/site, stain and other facts the user gave (free key → value). */
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    status: text('status', { enum: slideStatuses }).notNull().default('queued'),
    failureReason: text('failure_reason'),
    /** Side of one patch in level-0 pixels. */
    patchSizeLevel0Px: integer('patch_size_level0_px').notNull(),
    /** Grid cells examined so far / in all (tissue and background). */
    tilesDone: integer('tiles_done').notNull().default(0),
    tilesTotal: integer('tiles_total').notNull().default(0),
    /** Tissue patches stored. */
    patchCount: integer('patch_count').notNull().default(0),
    encoderId: text('encoder_id').notNull(),
    /** Queue bookkeeping: the worker holding the job, its last sign of life, and tries so far. */
    workerId: text('worker_id'),
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    /** Times a crash of a whole server process interrupted this slide; these never count as attempts. */
    interruptions: integer('interruptions').notNull().default(0),
    /** When the current (or last) attempt claimed the job, and `tiles_done` then: rate and ETA come from these. */
    attemptStartedAt: timestamp('attempt_started_at', { withTimezone: true }),
    attemptStartTilesDone: integer('attempt_start_tiles_done').notNull().default(0),
    /** Mean of the patch embeddings, L2-normalised. */
    embedding: embeddingColumn('embedding'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [
    index('slides_status_idx').on(table.status),
    // Few rows, searched slide→slide across the whole archive: an approximate index.
    index('slides_embedding_hnsw_idx')
      .using('hnsw', table.embedding.op('vector_cosine_ops'))
      .where(sql`${table.embedding} is not null`),
  ],
);

export type SlideRow = typeof slides.$inferSelect;
export type NewSlideRow = typeof slides.$inferInsert;
