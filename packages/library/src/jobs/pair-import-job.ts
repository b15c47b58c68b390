import type { ImportCounts } from '../import/import-counts.ts';
import type { ImportFormat } from '../import/import-format.ts';
import type { ImportPlan } from '../import/import-pairs.ts';
import type { RowRejectionCode } from '../import/row-rejection.ts';
import type { ReadPosition } from '../import/source-record.ts';
import type { PhiCounts } from '../phi/scrub-phi.ts';

export const pairImportStatuses = ['queued', 'running', 'finished', 'failed'] as const;
export type PairImportStatus = (typeof pairImportStatuses)[number];

/** What to import and how; fixed when the job is created. */
export interface PairImportRequest {
  /** The file or folder to import, on the server (absolute). */
  target: string;
  /** Null: detect. */
  format: ImportFormat | null;
  /** Null: `images/` beside the file when it exists. */
  imagesDir: string | null;
  textOnly: boolean;
  /** Null: the file's name. */
  source: string | null;
  /** Folders local images may be read from. */
  allowedRoots: string[];
  /** The file came in the request and lives in the job's `upload/` folder (removed when the job ends). */
  uploaded: boolean;
  /** Name to show for the input (the uploaded file's name, or the path). */
  displayName: string;
}

/**
 * One import, as kept in `DATA_DIR/pair-imports/<id>/job.json` (rewritten atomically after
 * every stored batch) with its rejected rows in `rejected.jsonl` beside it. `checkpointRow`
 * and the counts always describe the same moment, so a job interrupted by a crash or a stop
 * resumes after its checkpoint at the next start.
 */
export interface PairImportJob {
  id: string;
  status: PairImportStatus;
  request: PairImportRequest;
  /** Format, images folder and default source as decided at the start. */
  plan: ImportPlan | null;
  counts: ImportCounts;
  rejectedByCode: Partial<Record<RowRejectionCode, number>>;
  /** PHI replacements in the stored text, by kind. */
  phiReplacements: PhiCounts;
  /** Every row up to this one is imported, a duplicate or rejected. */
  checkpointRow: number;
  position: ReadPosition | null;
  /** Seconds spent importing, over all runs (for the rate). */
  runSeconds: number;
  failureReason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
