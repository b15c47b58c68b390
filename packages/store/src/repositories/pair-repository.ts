import { eq, sql } from 'drizzle-orm';
import type { Database } from '../database.ts';
import { imageTextPairs, type ImageTextPairRow } from '../schema/image-text-pairs.ts';
import { toEmbeddingLiteral } from '../vector-literal.ts';

export interface NewImageTextPair {
  imageRef: string;
  imageSha256: string;
  caption: string;
  source?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  imageEmbedding: number[];
  captionEmbedding: number[];
}

export type StoredPair = Omit<ImageTextPairRow, 'imageEmbedding' | 'captionEmbedding'>;
export type ScoredPair = StoredPair & { score: number };

const withoutEmbeddings = {
  id: imageTextPairs.id,
  imageRef: imageTextPairs.imageRef,
  imageSha256: imageTextPairs.imageSha256,
  caption: imageTextPairs.caption,
  source: imageTextPairs.source,
  metadata: imageTextPairs.metadata,
  createdAt: imageTextPairs.createdAt,
};

export class PairRepository {
  constructor(private readonly db: Database) {}

  /** Insert a pair; the same image (by hash) is stored once. Returns the stored row and whether it is new. */
  async insert(pair: NewImageTextPair): Promise<{ pair: StoredPair; created: boolean }> {
    const [inserted] = await this.db.insert(imageTextPairs).values(pair).onConflictDoNothing({ target: imageTextPairs.imageSha256 }).returning(withoutEmbeddings);
    if (inserted) return { pair: inserted, created: true };
    const [existing] = await this.db.select(withoutEmbeddings).from(imageTextPairs).where(eq(imageTextPairs.imageSha256, pair.imageSha256));
    return { pair: existing!, created: false };
  }

  async findById(id: string): Promise<StoredPair | undefined> {
    const [row] = await this.db.select(withoutEmbeddings).from(imageTextPairs).where(eq(imageTextPairs.id, id));
    return row;
  }

  /** Pairs whose image (`by: 'image'`) or caption (`by: 'caption'`) is nearest to an embedding. */
  async nearest(embedding: number[], options: { k: number; by: 'image' | 'caption' }): Promise<ScoredPair[]> {
    const column = options.by === 'image' ? imageTextPairs.imageEmbedding : imageTextPairs.captionEmbedding;
    const distance = sql<number>`${column} <=> ${toEmbeddingLiteral(embedding)}::vector`;
    const rows = await this.db.select({ ...withoutEmbeddings, distance }).from(imageTextPairs).orderBy(distance).limit(options.k);
    return rows.map(({ distance: rowDistance, ...row }) => ({ ...row, score: 1 - Number(rowDistance) }));
  }
}
