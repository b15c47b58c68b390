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
 * maintenance_work_mem for a build: IVFFlat's k-means holds 50 sample rows a list (halfvec: 2 bytes
 * a dimension), and pgvector refuses to build in less; twice that, at least 128 MB, at most 4 GB.
 */
export function patchIndexBuildMemoryMb(lists: number): number {
  const sampleBytes = lists * 50 * (8 + 2 * embeddingDimension);
  return Math.min(4096, Math.max(128, Math.ceil((2 * sampleBytes) / 1_048_576)));
}
