ALTER TABLE "slides" ADD COLUMN "source" text DEFAULT 'file' NOT NULL;--> statement-breakpoint
ALTER TABLE "slides" ADD COLUMN "series_instance_uid" text;--> statement-breakpoint
ALTER TABLE "slides" ADD CONSTRAINT "slides_series_instance_uid_unique" UNIQUE("series_instance_uid");