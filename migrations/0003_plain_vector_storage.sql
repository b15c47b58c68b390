-- pgvector stores `vector` out of line by default (STORAGE EXTERNAL), and a 512-d vector
-- (2,056 bytes) is just over PostgreSQL's 2 kB TOAST threshold: every embedding went to the
-- TOAST table, and exact scans were ~7x slower (benchmarks/vector-search/README.md).
-- PLAIN keeps them in the row. It applies to rows written from now on.
ALTER TABLE "patches" ALTER COLUMN "embedding" SET STORAGE PLAIN;--> statement-breakpoint
ALTER TABLE "slides" ALTER COLUMN "embedding" SET STORAGE PLAIN;--> statement-breakpoint
ALTER TABLE "slide_prototypes" ALTER COLUMN "embedding" SET STORAGE PLAIN;--> statement-breakpoint
ALTER TABLE "image_text_pairs" ALTER COLUMN "image_embedding" SET STORAGE PLAIN;--> statement-breakpoint
ALTER TABLE "image_text_pairs" ALTER COLUMN "caption_embedding" SET STORAGE PLAIN;
