import { and, eq, ne, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Database } from '../database.ts';
import { patchIndexDistance } from '../patch-index/patch-index-definition.ts';
import type { PatchIndex } from '../patch-index/patch-index.ts';
import { imageTextPairs } from '../schema/image-text-pairs.ts';
import { patches } from '../schema/patches.ts';
import { slides } from '../schema/slides.ts';
import { toEmbeddingLiteral } from '../vector-literal.ts';

/**
 * How a nearest-neighbour query over an HNSW-indexed column runs:
 * - `approximate`: the HNSW index, with `hnsw.ef_search` = max(`efSearch`, offset + k + 1);
 * - `rerank`: the index fetches (offset + k + 1) × `rerankFactor` candidates, which are then
 *   re-scored exactly and re-ordered (recall closer to exact for a little more work);
 * - `exact`: a sequential scan, every row scored (the reference the others are measured against).
 * Patch search within one slide is always exact; across slides it uses the IVFFlat patch index
 * when one is built (PostgreSQL server; see PatchIndex), and is exact otherwise.
 */
export type VectorSearchMode = 'approximate' | 'exact' | 'rerank';

/** Metadata equality filters, case-insensitive. Pairs match their own metadata; patches and slides their slide's. */
export interface MetadataFilters {
  /** Pairs: the `source` column (or `metadata.source`); slides: `metadata.source`. */
  source?: string | undefined;
  organ?: string | undefined;
  stain?: string | undefined;
  /** Any other metadata key → value. */
  metadata?: Record<string, string> | undefined;
}

export interface VectorPage {
  k: number;
  /** Results to skip (pagination); offset + k is at most 1,000 (pgvector's ef_search ceiling). */
  offset?: number | undefined;
  mode?: VectorSearchMode | undefined;
  /** HNSW search effort (pgvector default 40); raised to offset + k + 1 when smaller. */
  efSearch?: number | undefined;
  /** Candidates per wanted result for `rerank`. Default 4. */
  rerankFactor?: number | undefined;
  /** IVFFlat lists searched by cross-slide patch search on the patch index (PATCH_INDEX_PROBES). Default 10. */
  probes?: number | undefined;
}

export type PatchSearchOptions = VectorPage & {
  /** Within this slide only (always exact). */
  slideId?: string | undefined;
  filters?: MetadataFilters | undefined;
  excludePatchId?: number | undefined;
};

export interface PairHit {
  id: string;
  caption: string;
  source: string | null;
  metadata: Record<string, string>;
  imageRef: string | null;
  /** Cosine similarity, -1…1. */
  score: number;
}

export interface PatchHit {
  id: number;
  slideId: string;
  slideName: string;
  /** Top-left corner and side, level-0 pixels. */
  xLevel0: number;
  yLevel0: number;
  sizeLevel0Px: number;
  tissueFraction: number;
  score: number;
}

export interface SlideHit {
  id: string;
  name: string;
  metadata: Record<string, string>;
  patchCount: number;
  widthPx: number;
  heightPx: number;
  score: number;
}

/** One stored patch of a slide with its cosine similarity to each of several query embeddings. */
export interface PatchSimilarities {
  id: number;
  xLevel0: number;
  yLevel0: number;
  sizeLevel0Px: number;
  tissueFraction: number;
  /** One per query embedding, in the order given; cosine similarity, -1…1. */
  similarities: number[];
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** pgvector caps `hnsw.ef_search` at 1,000: the deepest page an approximate query can reach. */
export const maxSearchDepth = 1_000;

/**
 * Nearest-neighbour queries for search, heatmaps and zero-shot classification, with
 * metadata filters, pagination and a choice of approximate, re-ranked or exact scoring.
 * Needs pgvector ≥ 0.8 (`hnsw.iterative_scan` keeps filtered HNSW queries from returning too few rows).
 *
 * @example
 * const hits = await store.search.nearestPairs(embedding, { by: 'caption', k: 10, filters: { organ: 'colon' } });
 */
export class SearchRepository {
  constructor(
    private readonly db: Database,
    private readonly patchIndex?: PatchIndex,
  ) {}

  /** Library pairs nearest by image (`by: 'image'`, pairs without an image never match) or by caption. */
  async nearestPairs(
    embedding: ArrayLike<number>,
    options: VectorPage & {
      by: 'image' | 'caption';
      filters?: MetadataFilters | undefined;
      excludePairId?: string | undefined;
    },
  ): Promise<PairHit[]> {
    const column = options.by === 'image' ? imageTextPairs.imageEmbedding : imageTextPairs.captionEmbedding;
    const conditions = [
      options.by === 'image' ? sql`${imageTextPairs.imageEmbedding} is not null` : undefined,
      ...pairFilterConditions(options.filters),
      options.excludePairId ? ne(imageTextPairs.id, options.excludePairId) : undefined,
    ];
    const fields = {
      id: imageTextPairs.id,
      caption: imageTextPairs.caption,
      source: imageTextPairs.source,
      metadata: imageTextPairs.metadata,
      imageRef: imageTextPairs.imageRef,
    };
    return this.#nearest(embedding, options, {
      table: imageTextPairs,
      idColumn: imageTextPairs.id,
      column,
      fields,
      where: and(...conditions),
    });
  }

  /**
   * Slide patches nearest to an embedding: within one slide, always exact (the slide_id index
   * narrows the scan); across ready slides, through the patch index when it is built and `mode` is
   * not `exact` (`rerank` fetches `rerankFactor` × more candidates), exactly otherwise. Scores are
   * exact cosine similarities either way.
   */
  async nearestPatches(embedding: ArrayLike<number>, options: PatchSearchOptions): Promise<PatchHit[]> {
    const literal = toEmbeddingLiteral(embedding);
    if (options.slideId || options.mode === 'exact' || !(await this.patchIndex?.usable())) {
      const rows = await this.#patchQuery(this.db, literal, options, 'exact')
        .limit(options.k)
        .offset(options.offset ?? 0);
      return rows.map(toPatchHit);
    }
    const offset = options.offset ?? 0;
    const candidates = (offset + options.k) * (options.mode === 'rerank' ? (options.rerankFactor ?? 4) : 1);
    const rows = await this.db.transaction(async (transaction) => {
      await this.#setIndexEffort(transaction, options);
      return this.#patchQuery(transaction, literal, options, 'index').limit(candidates);
    });
    // relaxed_order: the index may hand rows back slightly out of order; sort by the exact distance.
    rows.sort((left, right) => Number(left.distance) - Number(right.distance) || left.id - right.id);
    return rows.slice(offset, offset + options.k).map(toPatchHit);
  }

  /** The query plan `nearestPatches` runs with these options (EXPLAIN), to check which index it uses. */
  async explainNearestPatches(embedding: ArrayLike<number>, options: PatchSearchOptions): Promise<string> {
    const literal = toEmbeddingLiteral(embedding);
    const useIndex = !options.slideId && options.mode !== 'exact' && (await this.patchIndex?.usable());
    return this.db.transaction(async (transaction) => {
      if (useIndex) await this.#setIndexEffort(transaction, options);
      const query = this.#patchQuery(transaction, literal, options, useIndex ? 'index' : 'exact').limit(options.k);
      const result = await transaction.execute(sql`explain ${query}`);
      const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, string>[];
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
  }

  async #setIndexEffort(transaction: Pick<Database, 'execute'>, options: PatchSearchOptions): Promise<void> {
    await transaction.execute(sql.raw(`set local ivfflat.probes = ${Math.max(1, Math.trunc(options.probes ?? 10))}`));
    // Filters (ready slides, metadata) drop rows after the index scan: keep probing until k rows pass (pgvector 0.8).
    await transaction.execute(sql.raw(`set local ivfflat.iterative_scan = relaxed_order`));
  }

  /** `exact`: ordered by the float32 distance; `index`: by the patch index's halfvec expression, so it can use it. */
  #patchQuery(
    executor: Pick<Database, 'select'>,
    literal: string,
    options: PatchSearchOptions,
    order: 'exact' | 'index',
  ) {
    const distance = sql<number>`(${patches.embedding} <=> ${literal}::vector)`;
    const query = executor
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
      .where(
        and(
          options.slideId ? eq(patches.slideId, options.slideId) : eq(slides.status, 'ready'),
          ...slideFilterConditions(options.filters),
          options.excludePatchId !== undefined ? ne(patches.id, options.excludePatchId) : undefined,
        ),
      );
    return order === 'exact' ? query.orderBy(distance, patches.id) : query.orderBy(patchIndexDistance(literal));
  }

  /** Ready slides nearest to an embedding (slide → slide, by mean patch embedding). */
  async nearestSlides(
    embedding: ArrayLike<number>,
    options: VectorPage & { filters?: MetadataFilters | undefined; excludeSlideId?: string | undefined },
  ): Promise<SlideHit[]> {
    const conditions = [
      sql`${slides.embedding} is not null`,
      eq(slides.status, 'ready'),
      ...slideFilterConditions(options.filters),
      options.excludeSlideId ? ne(slides.id, options.excludeSlideId) : undefined,
    ];
    const fields = {
      id: slides.id,
      name: slides.name,
      metadata: slides.metadata,
      patchCount: slides.patchCount,
      widthPx: slides.widthPx,
      heightPx: slides.heightPx,
    };
    return this.#nearest(embedding, options, {
      table: slides,
      idColumn: slides.id,
      column: slides.embedding,
      fields,
      where: and(...conditions),
    });
  }

  /** A pair's stored embeddings (image null for a text-only entry), or undefined when there is no such pair. */
  async pairEmbeddings(
    pairId: string,
  ): Promise<{ imageEmbedding: number[] | null; captionEmbedding: number[] } | undefined> {
    if (!uuidPattern.test(pairId)) return undefined;
    const [row] = await this.db
      .select({ imageEmbedding: imageTextPairs.imageEmbedding, captionEmbedding: imageTextPairs.captionEmbedding })
      .from(imageTextPairs)
      .where(eq(imageTextPairs.id, pairId));
    return row;
  }

  /** A patch's embedding and where it lies, or undefined when there is no such patch. */
  async patchEmbedding(patchId: number): Promise<{ slideId: string; embedding: number[] } | undefined> {
    if (!Number.isSafeInteger(patchId) || patchId < 1) return undefined;
    const [row] = await this.db
      .select({ slideId: patches.slideId, embedding: patches.embedding })
      .from(patches)
      .where(eq(patches.id, patchId));
    return row;
  }

  /**
   * A slide's stored patch embeddings with their level-0 corners, at most `limit` of them spread
   * evenly over the slide (every ⌈count / limit⌉-th patch in id order): what a slide encoder reads.
   */
  async slidePatchEmbeddings(
    slideId: string,
    limit: number,
  ): Promise<{ xLevel0: number; yLevel0: number; embedding: number[] }[]> {
    const [counted] = await this.db
      .select({ count: sql<number>`count(*)::int` })
      .from(patches)
      .where(eq(patches.slideId, slideId));
    const step = Math.max(1, Math.ceil((counted?.count ?? 0) / Math.max(1, limit)));
    const numbered = this.db
      .select({
        xLevel0: patches.xLevel0,
        yLevel0: patches.yLevel0,
        embedding: patches.embedding,
        rowNumber: sql<number>`row_number() over (order by ${patches.id})`.as('row_number'),
      })
      .from(patches)
      .where(eq(patches.slideId, slideId))
      .as('numbered');
    const rows = await this.db
      .select({ xLevel0: numbered.xLevel0, yLevel0: numbered.yLevel0, embedding: numbered.embedding })
      .from(numbered)
      .where(sql`(${numbered.rowNumber} - 1) % ${step} = 0`)
      .limit(limit);
    return rows;
  }

  /**
   * Every stored patch of a slide with its cosine similarity to each query embedding, in grid
   * order (y, then x). Scored in the database, so the patch vectors never leave it.
   */
  async slidePatchSimilarities(slideId: string, embeddings: ArrayLike<number>[]): Promise<PatchSimilarities[]> {
    if (embeddings.length === 0) throw new Error('slidePatchSimilarities needs at least one query embedding');
    const scores = sql.join(
      embeddings.map((embedding) => sql`1 - (${patches.embedding} <=> ${toEmbeddingLiteral(embedding)}::vector)`),
      sql`, `,
    );
    const rows = await this.db
      .select({
        id: patches.id,
        xLevel0: patches.xLevel0,
        yLevel0: patches.yLevel0,
        sizeLevel0Px: patches.sizeLevel0Px,
        tissueFraction: patches.tissueFraction,
        // float8[] as text ('{0.1,0.2}'): parsed the same way whichever driver answers.
        similarities: sql<string>`(array[${scores}]::float8[])::text`,
      })
      .from(patches)
      .where(eq(patches.slideId, slideId))
      .orderBy(patches.yLevel0, patches.xLevel0);
    return rows.map(({ similarities, ...row }) => ({
      ...row,
      similarities: similarities.slice(1, -1).split(',').map(Number),
    }));
  }

  async #nearest<Fields extends Record<string, PgColumn>>(
    embedding: ArrayLike<number>,
    page: VectorPage,
    target: {
      table: typeof imageTextPairs | typeof slides;
      idColumn: PgColumn;
      column: PgColumn;
      fields: Fields;
      where: SQL | undefined;
    },
  ): Promise<({ [Key in keyof Fields]: Fields[Key]['_']['data'] } & { score: number })[]> {
    const offset = page.offset ?? 0;
    const depth = offset + page.k + 1;
    const literal = toEmbeddingLiteral(embedding);
    const indexDistance = sql<number>`${target.column} <=> ${literal}::vector`;
    // `+ 0` keeps the planner from ordering by the HNSW index: an exact scan, whatever plan a driver cached.
    const exactDistance = sql<number>`(${target.column} <=> ${literal}::vector) + 0`;
    const toHits = (rows: Record<string, unknown>[]) =>
      rows.map(({ distance, ...row }) => ({ ...row, score: 1 - Number(distance) })) as ({
        [Key in keyof Fields]: Fields[Key]['_']['data'];
      } & { score: number })[];
    const mode = page.mode ?? 'approximate';
    if (mode === 'exact') {
      const rows = await this.db
        .select({ ...target.fields, distance: exactDistance })
        .from(target.table)
        .where(target.where)
        .orderBy(exactDistance, target.idColumn)
        .limit(page.k)
        .offset(offset);
      return toHits(rows);
    }
    const candidates = mode === 'rerank' ? Math.min(maxSearchDepth, depth * (page.rerankFactor ?? 4)) : depth;
    const efSearch = Math.min(maxSearchDepth, Math.max(page.efSearch ?? 40, candidates));
    return this.db.transaction(async (transaction) => {
      await transaction.execute(sql.raw(`set local hnsw.ef_search = ${Math.trunc(efSearch)}`));
      // Filtered HNSW scans keep walking the graph until enough rows pass the filter, in distance order.
      if (target.where) await transaction.execute(sql.raw(`set local hnsw.iterative_scan = strict_order`));
      if (mode === 'approximate') {
        return toHits(
          await transaction
            .select({ ...target.fields, distance: indexDistance })
            .from(target.table)
            .where(target.where)
            .orderBy(indexDistance)
            .limit(page.k)
            .offset(offset),
        );
      }
      const candidateIds = transaction
        .select({ candidateId: sql<string>`${target.idColumn}`.as('candidate_id') })
        .from(target.table)
        .where(target.where)
        .orderBy(indexDistance)
        .limit(candidates)
        .as('candidates');
      const rows = await transaction
        .select({ ...target.fields, distance: exactDistance })
        .from(target.table)
        .innerJoin(candidateIds, eq(candidateIds.candidateId, target.idColumn))
        .orderBy(exactDistance, target.idColumn)
        .limit(page.k)
        .offset(offset);
      return toHits(rows);
    });
  }
}

function toPatchHit({ distance, ...row }: Omit<PatchHit, 'score'> & { distance: number }): PatchHit {
  return { ...row, score: 1 - Number(distance) };
}

function pairFilterConditions(filters: MetadataFilters | undefined): SQL[] {
  if (!filters) return [];
  const conditions: SQL[] = [];
  if (filters.source)
    conditions.push(
      sql`lower(coalesce(${imageTextPairs.source}, ${imageTextPairs.metadata}->>'source')) = lower(${filters.source})`,
    );
  for (const [key, value] of metadataEntries(filters))
    conditions.push(sql`lower(${imageTextPairs.metadata}->>${key}) = lower(${value})`);
  return conditions;
}

function slideFilterConditions(filters: MetadataFilters | undefined): SQL[] {
  if (!filters) return [];
  const entries = [
    ...(filters.source ? [['source', filters.source] as [string, string]] : []),
    ...metadataEntries(filters),
  ];
  return entries.map(([key, value]) => sql`lower(${slides.metadata}->>${key}) = lower(${value})`);
}

/** organ, stain and the free metadata filters as key/value pairs (source is handled per table). */
function metadataEntries(filters: MetadataFilters): [string, string][] {
  const entries: [string, string][] = [];
  if (filters.organ) entries.push(['organ', filters.organ]);
  if (filters.stain) entries.push(['stain', filters.stain]);
  for (const [key, value] of Object.entries(filters.metadata ?? {})) entries.push([key, value]);
  return entries;
}
