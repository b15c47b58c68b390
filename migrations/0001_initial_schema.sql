CREATE TABLE "slides" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"file_path" text NOT NULL,
	"content_sha256" text NOT NULL,
	"format" text NOT NULL,
	"vendor" text,
	"width_px" integer NOT NULL,
	"height_px" integer NOT NULL,
	"mpp_x" real,
	"mpp_y" real,
	"objective_power" real,
	"mpp_source" text DEFAULT 'file' NOT NULL,
	"target_mpp" real,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"failure_reason" text,
	"patch_size_level0_px" integer NOT NULL,
	"tiles_done" integer DEFAULT 0 NOT NULL,
	"tiles_total" integer DEFAULT 0 NOT NULL,
	"patch_count" integer DEFAULT 0 NOT NULL,
	"encoder_id" text NOT NULL,
	"worker_id" text,
	"heartbeat_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"embedding" vector(512),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "slides_content_sha256_unique" UNIQUE("content_sha256")
);
--> statement-breakpoint
CREATE TABLE "patches" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"slide_id" uuid NOT NULL,
	"x_level0" integer NOT NULL,
	"y_level0" integer NOT NULL,
	"size_level0_px" integer NOT NULL,
	"tissue_fraction" real NOT NULL,
	"embedding" vector(512) NOT NULL,
	CONSTRAINT "patches_slide_position_unique" UNIQUE("slide_id","x_level0","y_level0")
);
--> statement-breakpoint
CREATE TABLE "slide_prototypes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slide_id" uuid NOT NULL,
	"cluster_index" integer NOT NULL,
	"weight" real NOT NULL,
	"embedding" vector(512) NOT NULL,
	"representative_patch_ids" jsonb NOT NULL,
	CONSTRAINT "slide_prototypes_slide_cluster_unique" UNIQUE("slide_id","cluster_index")
);
--> statement-breakpoint
CREATE TABLE "image_text_pairs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"image_ref" text,
	"content_sha256" text NOT NULL,
	"caption" text NOT NULL,
	"source" text,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"image_embedding" vector(512),
	"caption_embedding" vector(512) NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "image_text_pairs_content_sha256_unique" UNIQUE("content_sha256")
);
--> statement-breakpoint
CREATE TABLE "conversations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slide_id" uuid,
	"title" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"role" text NOT NULL,
	"content" text NOT NULL,
	"model" text,
	"evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"citations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slide_id" uuid NOT NULL,
	"template_id" text,
	"clinical_context" text,
	"structured" jsonb NOT NULL,
	"markdown" text NOT NULL,
	"model" text NOT NULL,
	"evidence" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"slide_id" uuid,
	"conversation_id" uuid,
	"report_id" uuid,
	"model" text,
	"evidence_ids" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"duration_ms" integer NOT NULL,
	"status" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "patches" ADD CONSTRAINT "patches_slide_id_slides_id_fk" FOREIGN KEY ("slide_id") REFERENCES "public"."slides"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "slide_prototypes" ADD CONSTRAINT "slide_prototypes_slide_id_slides_id_fk" FOREIGN KEY ("slide_id") REFERENCES "public"."slides"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "conversations" ADD CONSTRAINT "conversations_slide_id_slides_id_fk" FOREIGN KEY ("slide_id") REFERENCES "public"."slides"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "public"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reports" ADD CONSTRAINT "reports_slide_id_slides_id_fk" FOREIGN KEY ("slide_id") REFERENCES "public"."slides"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "slides_status_idx" ON "slides" USING btree ("status");--> statement-breakpoint
CREATE INDEX "slides_embedding_hnsw_idx" ON "slides" USING hnsw ("embedding" vector_cosine_ops) WHERE "slides"."embedding" is not null;--> statement-breakpoint
CREATE INDEX "pairs_image_embedding_hnsw_idx" ON "image_text_pairs" USING hnsw ("image_embedding" vector_cosine_ops) WHERE "image_text_pairs"."image_embedding" is not null;--> statement-breakpoint
CREATE INDEX "pairs_caption_embedding_hnsw_idx" ON "image_text_pairs" USING hnsw ("caption_embedding" vector_cosine_ops);--> statement-breakpoint
CREATE INDEX "pairs_source_idx" ON "image_text_pairs" USING btree ("source") WHERE "image_text_pairs"."source" is not null;--> statement-breakpoint
CREATE INDEX "messages_conversation_idx" ON "messages" USING btree ("conversation_id","position");--> statement-breakpoint
CREATE INDEX "reports_slide_idx" ON "reports" USING btree ("slide_id");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");