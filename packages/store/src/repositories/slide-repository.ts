import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { patches } from '../schema/patches.ts';
import { slidePrototypes } from '../schema/slide-prototypes.ts';
import { slides, type NewSlideRow, type SlideRow, type SlideStatus } from '../schema/slides.ts';
import { toEmbeddingLiteral } from '../vector-literal.ts';

export class SlideRepository {
  constructor(private readonly db: Database) {}

  async create(slide: NewSlideRow): Promise<SlideRow> {
    const [row] = await this.db.insert(slides).values(slide).returning();
    return row!;
  }

  async findById(id: string): Promise<SlideRow | undefined> {
    const [row] = await this.db.select().from(slides).where(eq(slides.id, id));
    return row;
  }

  async findByContentSha256(contentSha256: string): Promise<SlideRow | undefined> {
    const [row] = await this.db.select().from(slides).where(eq(slides.contentSha256, contentSha256));
    return row;
  }

  async findBySeriesInstanceUid(seriesInstanceUid: string): Promise<SlideRow | undefined> {
    const [row] = await this.db.select().from(slides).where(eq(slides.seriesInstanceUid, seriesInstanceUid));
    return row;
  }

  async list(limit = 100): Promise<SlideRow[]> {
    return this.db.select().from(slides).orderBy(desc(slides.createdAt)).limit(limit);
  }

  /** Slides whose ingestion has not finished: queued ones and those a crash interrupted. */
  async listUnfinished(): Promise<SlideRow[]> {
    return this.db
      .select()
      .from(slides)
      .where(inArray(slides.status, ['queued', 'running']))
      .orderBy(slides.createdAt);
  }

  async markRunning(id: string, tilesTotal: number): Promise<void> {
    await this.db
      .update(slides)
      .set({
        status: 'running',
        tilesTotal,
        startedAt: sql`coalesce(${slides.startedAt}, now())`,
        updatedAt: sql`now()`,
      })
      .where(eq(slides.id, id));
  }

  async updateProgress(id: string, progress: { tilesDone: number; patchCount: number }): Promise<void> {
    await this.db
      .update(slides)
      .set({ ...progress, updatedAt: sql`now()` })
      .where(eq(slides.id, id));
  }

  async markReady(id: string, result: { patchCount: number; embedding: number[] | null }): Promise<void> {
    await this.db
      .update(slides)
      .set({
        status: 'ready',
        patchCount: result.patchCount,
        tilesDone: sql`${slides.tilesTotal}`,
        embedding: result.embedding,
        failureReason: null,
        finishedAt: sql`now()`,
        updatedAt: sql`now()`,
      })
      .where(eq(slides.id, id));
  }

  async markFailed(id: string, reason: string): Promise<void> {
    await this.db
      .update(slides)
      .set({ status: 'failed', failureReason: reason, finishedAt: sql`now()`, updatedAt: sql`now()` })
      .where(eq(slides.id, id));
  }

  /** Requeue a failed slide (re-ingest with force). Stored patches are kept and reused. */
  async requeue(id: string): Promise<void> {
    await this.db
      .update(slides)
      .set({ status: 'queued', failureReason: null, attempts: 0, finishedAt: null, updatedAt: sql`now()` })
      .where(and(eq(slides.id, id), inArray(slides.status, ['failed', 'ready'] satisfies SlideStatus[])));
  }

  /**
   * Requeue a finished slide to be tiled anew (another MPP or target resolution): in one
   * transaction its patches and prototypes are deleted, the new tiling and metadata stored,
   * and its progress and embedding reset. Only a `ready` or `failed` slide is changed.
   */
  async requeueRetiled(
    id: string,
    tiling: Pick<
      NewSlideRow,
      'patchSizeLevel0Px' | 'targetMpp' | 'mppSource' | 'mppX' | 'mppY' | 'metadata' | 'warnings'
    >,
  ): Promise<boolean> {
    return this.db.transaction(async (transaction) => {
      const [changed] = await transaction
        .update(slides)
        .set({
          ...tiling,
          status: 'queued',
          failureReason: null,
          attempts: 0,
          tilesDone: 0,
          tilesTotal: 0,
          patchCount: 0,
          embedding: null,
          startedAt: null,
          finishedAt: null,
          updatedAt: sql`now()`,
        })
        .where(and(eq(slides.id, id), inArray(slides.status, ['failed', 'ready'] satisfies SlideStatus[])))
        .returning({ id: slides.id });
      if (!changed) return false;
      await transaction.delete(slidePrototypes).where(eq(slidePrototypes.slideId, id));
      await transaction.delete(patches).where(eq(patches.slideId, id));
      return true;
    });
  }

  /** Ready slides nearest to an embedding (slide → slide). */
  async nearest(embedding: number[], k: number): Promise<(SlideRow & { score: number })[]> {
    const distance = sql<number>`${slides.embedding} <=> ${toEmbeddingLiteral(embedding)}::vector`;
    const rows = await this.db
      .select({ slide: slides, distance })
      .from(slides)
      .where(and(eq(slides.status, 'ready'), sql`${slides.embedding} is not null`))
      .orderBy(distance)
      .limit(k);
    return rows.map((row) => ({ ...row.slide, score: 1 - Number(row.distance) }));
  }
}
