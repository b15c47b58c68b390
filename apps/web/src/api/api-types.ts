import type { EvidenceItem } from '../../../../packages/assistant/src/evidence.ts';
import type { Citation } from '../../../../packages/assistant/src/check-citations.ts';

/** The API's shapes as the app reads them (snake_case, as `/v1` answers). */

export interface Slide {
  id: string;
  name: string;
  status: 'queued' | 'running' | 'ready' | 'failed';
  failure_reason: string | null;
  format: string;
  vendor: string | null;
  width_px: number;
  height_px: number;
  mpp_x: number | null;
  mpp_y: number | null;
  objective_power: number | null;
  patch_size_level0_px: number | null;
  target_mpp: number | null;
  mpp_source: string;
  metadata: Record<string, string>;
  patch_count: number;
  encoder: string;
  progress: {
    tiles_done: number;
    tiles_total: number;
    fraction: number;
    tiles_per_second: number | null;
    eta_seconds: number | null;
  };
  created_at: string;
}

/** A level-0 rectangle of a slide: what a citation, search hit or prototype points at. */
export interface RegionLevel0 {
  slideId: string;
  xLevel0: number;
  yLevel0: number;
  widthLevel0Px: number;
  heightLevel0Px: number;
}

/** Evidence and citations exactly as the assistant builds them (types only: nothing of it is bundled). */
export type { EvidenceItem, NearCaption } from '../../../../packages/assistant/src/evidence.ts';
export type { Citation } from '../../../../packages/assistant/src/check-citations.ts';

export interface ChatMessage {
  role: 'user' | 'assistant' | 'system';
  content: string;
  evidence?: EvidenceItem[];
  citations?: Citation[];
  warnings?: string[];
  notice?: string | null;
}

export interface ConversationSummary {
  id: string;
  title: string;
  created_at: string;
  message_count: number;
}

export interface Conversation {
  id: string;
  slide_id: string | null;
  title: string;
  messages: { role: ChatMessage['role']; content: string; evidence: EvidenceItem[]; citations: Citation[] }[];
}

/** The last streamed chunk's PathLens fields. */
export interface ChatCompletionDetails {
  conversation_id: string;
  answer_supported: boolean;
  evidence: EvidenceItem[];
  citations: Citation[];
  notice: string;
  warnings: string[];
}

export interface ReportTemplate {
  id: string;
  name: string;
  organs: string[];
}

export interface ReportDraft {
  id: string;
  slide_id: string;
  template_id: string;
  created_at: string;
  notice: string | null;
  report: {
    specimen: { site: string; stain: string; description: string };
    candidate_diagnoses: { diagnosis: string; confidence: string; probability: number | null; evidence: number[] }[];
    microscopic_description: string;
    key_findings: { finding: string; evidence: number[] }[];
    measurements: { name: string; value: string; evidence: number[] }[];
    limitations: string[];
  };
  markdown: string;
  evidence: EvidenceItem[];
  warnings?: string[];
}

export type SearchHit =
  | {
      kind: 'patch';
      rank: number;
      id: string;
      score: number;
      slide_id: string;
      slide_name: string;
      x_level0: number;
      y_level0: number;
      size_level0_px: number;
    }
  | {
      kind: 'pair';
      rank: number;
      id: string;
      score: number;
      caption: string;
      source: string | null;
      metadata: Record<string, string>;
      has_image: boolean;
    }
  | { kind: 'slide'; rank: number; id: string; score: number; name: string; patch_count: number };

export interface SearchPage {
  direction: string;
  data: SearchHit[];
}

export interface Prototype {
  id: string;
  cluster_index: number;
  weight: number;
  representative_patches: {
    id: string;
    x_level0: number;
    y_level0: number;
    size_level0_px: number;
    thumbnail_url: string;
  }[];
}

export interface LabelSet {
  id: string;
  name: string;
}

export interface Classification {
  label_set: string;
  predicted: { id: string; name: string; probability: number };
  classes: { id: string; name: string; probability: number }[];
}

export interface PairImport {
  id: string;
  status: string;
  counts: { rows_read: number; imported: number; text_only: number; duplicates: number; rejected: number };
  progress: { done: number; total: number | null; unit: string; fraction: number | null } | null;
  rejected_by_code: Record<string, number>;
  rejected_report: string;
  rejected_sample?: { row: number; line?: number; code: string; reason: string }[];
  failure_reason: string | null;
}

export interface ServerStatus {
  demo_warning: string | null;
  models: { id: string; task: string; provider: string; demo: boolean }[];
  chat_queue: { concurrency: number; max_waiting: number; running: number; waiting: number; rejected: number };
  ingestion: {
    slides: Record<Slide['status'], number>;
    encoder: string;
    workers: { id: string; slide_id: string | null; slide_name: string | null }[];
    other_workers_running: number;
  };
}

export interface HeatmapImage {
  url: string;
  scoreMin: number;
  scoreMax: number;
}
