import type { DatabaseHandle } from './database.ts';
import { openDatabase } from './open-database.ts';
import { ConversationRepository } from './repositories/conversation-repository.ts';
import { PairRepository } from './repositories/pair-repository.ts';
import { PatchRepository } from './repositories/patch-repository.ts';
import { SlideRepository } from './repositories/slide-repository.ts';

/** The storage seam: repositories over one drizzle database, whichever driver opened it. */
export class Store {
  readonly slides: SlideRepository;
  readonly patches: PatchRepository;
  readonly pairs: PairRepository;
  readonly conversations: ConversationRepository;

  constructor(readonly handle: DatabaseHandle) {
    this.slides = new SlideRepository(handle.db);
    this.patches = new PatchRepository(handle.db);
    this.pairs = new PairRepository(handle.db);
    this.conversations = new ConversationRepository(handle.db);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/**
 * @example
 * const store = await openStore({ dataDir: './data', databaseUrl: process.env.DATABASE_URL });
 */
export async function openStore(options: { dataDir: string; databaseUrl?: string | undefined }): Promise<Store> {
  return new Store(await openDatabase(options));
}
