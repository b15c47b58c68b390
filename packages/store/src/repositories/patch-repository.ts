import { eq, sql } from 'drizzle-orm';
import { BinaryCopyWriter } from '../binary-copy/binary-copy-writer.ts';
import type { Database, DatabaseHandle } from '../database.ts';
import { embeddingDimension } from '../schema/embedding-column.ts';
import { patches } from '../schema/patches.ts';

export interface NewPatch {
  xLevel0: number;
  yLevel0: number;
  sizeLevel0Px: number;
  tissueFraction: number;
  /** L2-normalised; a Float32Array straight from the encoder is stored as it is (no copy into an array). */
  embedding: ArrayLike<number>;
}

/** Rows land here by binary COPY, then move into `patches` skipping positions already stored. */
const stagingTable = 'patch_rows_incoming';

export class PatchRepository {
  constructor(
    private readonly db: Database,
    private readonly handle: Pick<DatabaseHandle, 'copyBinary'>,
  ) {}

  /** Store one encoder batch atomically; a position already stored (resumed job) is kept as it is. */
  async insertBatch(slideId: string, batch: NewPatch[]): Promise<void> {
    if (batch.length === 0) return;
    const columns = 'slide_id, x_level0, y_level0, size_level0_px, tissue_fraction, embedding';
    const rows = new BinaryCopyWriter(batch.length * (70 + 4 * embeddingDimension));
    for (const patch of batch) {
      if (patch.embedding.length !== embeddingDimension)
        throw new RangeError(
          `a patch embedding has ${patch.embedding.length} dimensions; the store holds ${embeddingDimension}`,
        );
      rows
        .row(6)
        .uuid(slideId)
        .int32(patch.xLevel0)
        .int32(patch.yLevel0)
        .int32(patch.sizeLevel0Px)
        .float32(patch.tissueFraction)
        .vector(patch.embedding);
    }
    await this.handle.copyBinary({
      before: [
        `CREATE TEMP TABLE IF NOT EXISTS ${stagingTable} (slide_id uuid, x_level0 integer, y_level0 integer, size_level0_px integer, tissue_fraction real, embedding vector(${embeddingDimension})) ON COMMIT DELETE ROWS`,
      ],
      copy: `COPY ${stagingTable} (${columns}) FROM STDIN WITH (FORMAT binary)`,
      data: rows.finish(),
      after: [
        `INSERT INTO patches (${columns}) SELECT ${columns} FROM ${stagingTable} ON CONFLICT (slide_id, x_level0, y_level0) DO NOTHING`,
      ],
    });
  }

  /** `"x,y"` keys of the positions already stored for a slide. */
  async storedPositions(slideId: string): Promise<Set<string>> {
    const rows = await this.db
      .select({ x: patches.xLevel0, y: patches.yLevel0 })
      .from(patches)
      .where(eq(patches.slideId, slideId));
    return new Set(rows.map((row) => `${row.x},${row.y}`));
  }

  async countForSlide(slideId: string): Promise<number> {
    const [row] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(patches)
      .where(eq(patches.slideId, slideId));
    return Number(row?.count ?? 0);
  }

  /** Mean of a slide's patch embeddings (not normalised), or null when it has none. */
  async meanEmbedding(slideId: string): Promise<number[] | null> {
    const [row] = await this.db
      .select({ mean: sql<string | null>`avg(${patches.embedding})::text` })
      .from(patches)
      .where(eq(patches.slideId, slideId));
    return row?.mean ? (JSON.parse(row.mean) as number[]) : null;
  }

  async findByIds(ids: number[]): Promise<{ id: number; slideId: string }[]> {
    if (ids.length === 0) return [];
    return this.db
      .select({ id: patches.id, slideId: patches.slideId })
      .from(patches)
      .where(sql`${patches.id} in ${ids}`);
  }
}
