import { eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { imageTextPairs, type ImageTextPairRow } from '../schema/image-text-pairs.ts';
import { toEmbeddingLiteral } from '../vector-literal.ts';

export interface NewImageTextPair {
  /** Null for a caption imported without its image. */
  imageRef: string | null;
  /** sha256 of the image bytes, or of the caption for a text-only entry. */
  contentSha256: string;
  caption: string;
  source?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  imageEmbedding: number[] | null;
  captionEmbedding: number[];
}

export type StoredPair = Omit<ImageTextPairRow, 'imageEmbedding' | 'captionEmbedding'>;
export type ScoredPair = StoredPair & { score: number };

const withoutEmbeddings = {
  id: imageTextPairs.id,
  imageRef: imageTextPairs.imageRef,
  contentSha256: imageTextPairs.contentSha256,
  caption: imageTextPairs.caption,
  source: imageTextPairs.source,
  metadata: imageTextPairs.metadata,
  createdAt: imageTextPairs.createdAt,
};

export class PairRepository {
  constructor(private readonly db: Database) {}

  /** Insert a pair; the same image (by hash) is stored once. Returns the stored row and whether it is new. */
  async insert(pair: NewImageTextPair): Promise<{ pair: StoredPair; created: boolean }> {
    const [inserted] = await this.db
      .insert(imageTextPairs)
      .values(pair)
      .onConflictDoNothing({ target: imageTextPairs.contentSha256 })
      .returning(withoutEmbeddings);
    if (inserted) return { pair: inserted, created: true };
    const [existing] = await this.db
      .select(withoutEmbeddings)
      .from(imageTextPairs)
      .where(eq(imageTextPairs.contentSha256, pair.contentSha256));
    return { pair: existing!, created: false };
  }

  /**
   * Insert many pairs in one statement (an import batch). Content already stored, or repeated
   * within the batch, is skipped. Returns the content hashes that were inserted.
   */
  async insertMany(pairs: NewImageTextPair[]): Promise<Set<string>> {
    if (pairs.length === 0) return new Set();
    const inserted = await this.db
      .insert(imageTextPairs)
      .values(pairs)
      .onConflictDoNothing({ target: imageTextPairs.contentSha256 })
      .returning({ contentSha256: imageTextPairs.contentSha256 });
    return new Set(inserted.map((row) => row.contentSha256));
  }

  /** Which of these content hashes are stored already (duplicate check before embedding). */
  async existingContentHashes(hashes: string[]): Promise<Set<string>> {
    if (hashes.length === 0) return new Set();
    const rows = await this.db
      .select({ contentSha256: imageTextPairs.contentSha256 })
      .from(imageTextPairs)
      .where(inArray(imageTextPairs.contentSha256, hashes));
    return new Set(rows.map((row) => row.contentSha256));
  }

  /** Number of stored pairs, and how many of them are text-only (no image). */
  async count(): Promise<{ total: number; textOnly: number }> {
    const [row] = await this.db
      .select({
        total: sql<number>`count(*)::int`,
        textOnly: sql<number>`count(*) filter (where ${imageTextPairs.imageRef} is null)::int`,
      })
      .from(imageTextPairs);
    return { total: Number(row?.total ?? 0), textOnly: Number(row?.textOnly ?? 0) };
  }

  async findById(id: string): Promise<StoredPair | undefined> {
    const [row] = await this.db.select(withoutEmbeddings).from(imageTextPairs).where(eq(imageTextPairs.id, id));
    return row;
  }

  /** Pairs whose image (`by: 'image'`) or caption (`by: 'caption'`) is nearest to an embedding. */
  async nearest(embedding: number[], options: { k: number; by: 'image' | 'caption' }): Promise<ScoredPair[]> {
    const column = options.by === 'image' ? imageTextPairs.imageEmbedding : imageTextPairs.captionEmbedding;
    const distance = sql<number>`${column} <=> ${toEmbeddingLiteral(embedding)}::vector`;
    const rows = await this.db
      .select({ ...withoutEmbeddings, distance })
      .from(imageTextPairs)
      .where(options.by === 'image' ? sql`${imageTextPairs.imageEmbedding} is not null` : undefined)
      .orderBy(distance)
      .limit(options.k);
    return rows.map(({ distance: rowDistance, ...row }) => ({ ...row, score: 1 - Number(rowDistance) }));
  }
}
