ALTER TABLE "slides" ADD COLUMN "attempt_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "slides" ADD COLUMN "attempt_start_tiles_done" integer DEFAULT 0 NOT NULL;