import { eq, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { patches } from '../schema/patches.ts';

export interface NewPatch {
  xLevel0: number;
  yLevel0: number;
  sizeLevel0Px: number;
  tissueFraction: number;
  /** L2-normalised. */
  embedding: number[];
}

export class PatchRepository {
  constructor(private readonly db: Database) {}

  /** Store one encoder batch atomically; a position already stored (resumed job) is kept as it is. */
  async insertBatch(slideId: string, batch: NewPatch[]): Promise<void> {
    if (batch.length === 0) return;
    await this.db
      .insert(patches)
      .values(batch.map((patch) => ({ slideId, ...patch })))
      .onConflictDoNothing({ target: [patches.slideId, patches.xLevel0, patches.yLevel0] });
  }

  /** `"x,y"` keys of the positions already stored for a slide. */
  async storedPositions(slideId: string): Promise<Set<string>> {
    const rows = await this.db.select({ x: patches.xLevel0, y: patches.yLevel0 }).from(patches).where(eq(patches.slideId, slideId));
    return new Set(rows.map((row) => `${row.x},${row.y}`));
  }

  async countForSlide(slideId: string): Promise<number> {
    const [row] = await this.db.select({ count: sql<number>`count(*)::int` }).from(patches).where(eq(patches.slideId, slideId));
    return Number(row?.count ?? 0);
  }

  /** Mean of a slide's patch embeddings (not normalised), or null when it has none. */
  async meanEmbedding(slideId: string): Promise<number[] | null> {
    const [row] = await this.db.select({ mean: sql<string | null>`avg(${patches.embedding})::text` }).from(patches).where(eq(patches.slideId, slideId));
    return row?.mean ? (JSON.parse(row.mean) as number[]) : null;
  }

  async findByIds(ids: number[]): Promise<{ id: number; slideId: string }[]> {
    if (ids.length === 0) return [];
    return this.db.select({ id: patches.id, slideId: patches.slideId }).from(patches).where(sql`${patches.id} in ${ids}`);
  }
}
