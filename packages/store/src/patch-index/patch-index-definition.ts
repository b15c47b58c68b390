import { sql, type SQL } from 'drizzle-orm';
import { embeddingDimension } from '../schema/embedding-column.ts';
import { patches } from '../schema/patches.ts';

/**
 * The approximate index for patch search across all slides (PostgreSQL server only): IVFFlat on
 * the embeddings cast to 16-bit floats. Chosen from benchmarks/vector-search: at 1M patches it met
 * p95 20 ms / recall@10 0.995 with a 2-minute build, where HNSW on halfvec built 4.5× slower for
 * recall 0.95–0.96. IVFFlat's lists come from the rows present at build time, so it is built after
 * bulk loading and rebuilt when the table has grown several-fold (see PatchIndex).
 */
export const patchIndexName = 'patches_embedding_ivfflat_idx';

/** A rebuild is made under this name, then swapped in. */
export const nextPatchIndexName = 'patches_embedding_ivfflat_next_idx';

/** Session advisory lock held while building: one build at a time across every process on the server. */
export const patchIndexLockKey = 72_016_001;

/** pgvector's advice: lists = rows / 1000 up to 1M rows, √rows above (at least 10). */
export function patchIndexLists(rowCount: number): number {
  return Math.max(10, rowCount <= 1_000_000 ? Math.round(rowCount / 1000) : Math.round(Math.sqrt(rowCount)));
}

/** The build statement. CONCURRENTLY: ingestion and search go on while it builds (it cannot run in a transaction). */
export function createPatchIndexStatement(name: string, lists: number): string {
  return (
    `CREATE INDEX CONCURRENTLY ${name} ON patches USING ivfflat ` +
    `((embedding::halfvec(${embeddingDimension})) halfvec_cosine_ops) WITH (lists = ${lists})`
  );
}

/**
 * Cosine distance in the index's own expression (`embedding::halfvec(512)`): a query ordered by
 * this can use the index; one ordered by the float32 distance cannot. `literal` is pgvector's text form.
 */
export function patchIndexDistance(literal: string): SQL<number> {
  const halfvec = sql.raw(`halfvec(${embeddingDimension})`);
  return sql<number>`${patches.embedding}::${halfvec} <=> ${literal}::${halfvec}`;
}

/**
 * maintenance_work_mem for a build. pgvector refuses to build IVFFlat in less than its k-means
 * needs (ivfkmeans.c): 50 sample rows a list, the centres, and a lower-bound matrix of
 * samples × lists floats, which dominates (2M rows, 1,414 lists: 465 MB). Counted here with
 * float32 samples, plus a fifth; at least 128 MB, at most 8 GB.
 */
export function patchIndexBuildMemoryMb(lists: number): number {
  const vectorBytes = 8 + 4 * embeddingDimension;
  const samples = lists * 50;
  const bytes =
    samples * vectorBytes + 3 * lists * vectorBytes + samples * lists * 4 + lists * lists * 4 + samples * 16;
  return Math.min(8192, Math.max(128, Math.ceil((1.2 * bytes) / 1_048_576)));
}
