import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { patches } from '../schema/patches.ts';
import { slides } from '../schema/slides.ts';
import { toEmbeddingLiteral } from '../vector-literal.ts';

export interface NewPatch {
  xLevel0: number;
  yLevel0: number;
  sizeLevel0Px: number;
  tissueFraction: number;
  /** L2-normalised. */
  embedding: number[];
}

export interface ScoredPatch {
  id: number;
  slideId: string;
  slideName: string;
  xLevel0: number;
  yLevel0: number;
  sizeLevel0Px: number;
  tissueFraction: number;
  /** Cosine similarity, -1…1. */
  score: number;
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

  /**
   * Patches nearest to an embedding, exact (see the schema's note on indexes): within one
   * slide when `slideId` is given, else across ready slides.
   */
  async nearest(embedding: number[], options: { k: number; slideId?: string | undefined }): Promise<ScoredPatch[]> {
    const distance = sql<number>`${patches.embedding} <=> ${toEmbeddingLiteral(embedding)}::vector`;
    const rows = await this.db
      .select({
        id: patches.id,
        slideId: patches.slideId,
        slideName: slides.name,
        xLevel0: patches.xLevel0,
        yLevel0: patches.yLevel0,
        sizeLevel0Px: patches.sizeLevel0Px,
        tissueFraction: patches.tissueFraction,
        distance,
      })
      .from(patches)
      .innerJoin(slides, eq(slides.id, patches.slideId))
      .where(options.slideId ? eq(patches.slideId, options.slideId) : and(eq(slides.status, 'ready')))
      .orderBy(distance)
      .limit(options.k);
    return rows.map(({ distance: rowDistance, ...row }) => ({ ...row, score: 1 - Number(rowDistance) }));
  }

  async findByIds(ids: number[]): Promise<{ id: number; slideId: string }[]> {
    if (ids.length === 0) return [];
    return this.db.select({ id: patches.id, slideId: patches.slideId }).from(patches).where(sql`${patches.id} in ${ids}`);
  }
}
