ALTER TABLE "slides" ADD COLUMN "interruptions" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "conversations" ADD COLUMN "slide_deleted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "target_kind" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "target_id" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "deleted_counts" jsonb;