import type { DatabaseHandle } from './database.ts';
import { openDatabase, type OpenDatabaseOptions } from './open-database.ts';
import { PatchIndex } from './patch-index/patch-index.ts';
import { ApiKeyRepository } from './repositories/api-key-repository.ts';
import { AuditRepository } from './repositories/audit-repository.ts';
import { ConversationRepository } from './repositories/conversation-repository.ts';
import { DeletionRepository } from './repositories/deletion-repository.ts';
import { IngestionJobRepository } from './repositories/ingestion-job-repository.ts';
import { PairRepository } from './repositories/pair-repository.ts';
import { PairRowRepository } from './repositories/pair-row-repository.ts';
import { PatchRepository } from './repositories/patch-repository.ts';
import { PrototypeRepository } from './repositories/prototype-repository.ts';
import { ReportRepository } from './repositories/report-repository.ts';
import { SearchRepository } from './repositories/search-repository.ts';
import { SlideRepository } from './repositories/slide-repository.ts';

/** The storage seam: repositories over one drizzle database, whichever driver opened it. */
export class Store {
  readonly slides: SlideRepository;
  readonly patches: PatchRepository;
  readonly prototypes: PrototypeRepository;
  readonly pairs: PairRepository;
  /** Every imported row's link (slide id, subtype, metadata) to the library entry holding its content. */
  readonly pairRows: PairRowRepository;
  readonly conversations: ConversationRepository;
  /** Report drafts; the latest per slide is evidence for similar slides. */
  readonly reports: ReportRepository;
  /** One row per chat or report request. */
  readonly audit: AuditRepository;
  /** API keys (hashed) and their roles. */
  readonly apiKeys: ApiKeyRepository;
  /** Nearest-neighbour queries with filters and pagination (search, heatmaps, zero-shot). */
  readonly search: SearchRepository;
  /** The approximate index over all slides' patches (PostgreSQL server only). */
  readonly patchIndex: PatchIndex;
  readonly ingestionJobs: IngestionJobRepository;
  /** Deletions and patient purges, each one transaction with its audit row. */
  readonly deletions: DeletionRepository;

  constructor(readonly handle: DatabaseHandle) {
    this.slides = new SlideRepository(handle.db);
    this.patches = new PatchRepository(handle.db, handle);
    this.prototypes = new PrototypeRepository(handle.db);
    this.pairs = new PairRepository(handle.db);
    this.pairRows = new PairRowRepository(handle.db);
    this.conversations = new ConversationRepository(handle.db);
    this.reports = new ReportRepository(handle.db);
    this.audit = new AuditRepository(handle.db);
    this.apiKeys = new ApiKeyRepository(handle.db);
    this.patchIndex = new PatchIndex(handle);
    this.search = new SearchRepository(handle.db, this.patchIndex);
    this.ingestionJobs = new IngestionJobRepository(handle.db);
    this.deletions = new DeletionRepository(handle.db);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * @example
 * const store = await openStore({ dataDir: './data', databaseUrl: process.env.DATABASE_URL });
 */
export async function openStore(options: OpenDatabaseOptions): Promise<Store> {
  return new Store(await openDatabase(options));
}
