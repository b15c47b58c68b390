import type { BenchDatabase } from './bench-database.ts';
import { recallAtK } from './exact-neighbours.ts';
import type { SearchEffort } from './index-variants.ts';
import { percentile } from '../shared/percentile.ts';

export interface SearchMeasurement {
  effort: string;
  /** Queries timed (serially, on one connection). */
  queryCount: number;
  /** Each query's latency is its fastest of this many runs. */
  passes: number;
  p50Ms: number;
  p95Ms: number;
  meanMs: number;
  /** Database CPU per query (see BenchDatabase.cpuSeconds); independent of other load on the machine. */
  cpuMsPerQuery?: number;
  /** Mean recall@k against the exact neighbours computed in JavaScript. */
  recall: number;
  /** Lowest recall@k of any one query. */
  worstRecall: number;
  /** Queries that found fewer than half of their true neighbours (HNSW: a region the graph does not reach). */
  queriesBelowHalfRecall: number;
  /** The plan used the expected index; `forced`: only with enable_seqscan off. */
  plan: 'index' | 'forced' | 'sequential scan';
}

export interface MeasureOptions {
  /** Query vectors in pgvector's text form. */
  queries: string[];
  /** The exact neighbour ids of each query, same order. */
  truth: number[][];
  /** Query vectors run first, untimed, to warm caches (not from `queries`). */
  warmupQueries: string[];
  /**
   * Times each query is run (all queries once, then again, …); the fastest time of each query
   * is kept, so that on a busy, shared machine a scheduling delay does not stand in for
   * the database's latency. 1: every query once, as it comes.
   */
  passes: number;
  /** The index the plan should use; undefined for the exact scan. */
  expectedIndex?: string;
}

/** Times `effort.searchSql` for every query and scores what it returns against the truth. */
export async function measureSearch(
  database: BenchDatabase,
  effort: SearchEffort,
  options: MeasureOptions,
): Promise<SearchMeasurement> {
  for (const setting of effort.settings) await database.query(setting);
  let plan: SearchMeasurement['plan'] = 'sequential scan';
  if (options.expectedIndex) {
    plan = 'index';
    if (!(await planUses(database, effort.searchSql, options.queries[0]!, options.expectedIndex))) {
      // The planner judged a scan cheaper; measure the index anyway, and say so.
      await database.query('set enable_seqscan = off');
      plan = 'forced';
      if (!(await planUses(database, effort.searchSql, options.queries[0]!, options.expectedIndex))) {
        throw new Error(`The planner does not use ${options.expectedIndex} for: ${effort.searchSql}`);
      }
    }
  }
  try {
    for (const query of options.warmupQueries) await database.query(effort.searchSql, [query]);
    const latenciesMs = options.queries.map(() => Infinity);
    const recalls: number[] = [];
    const cpuBefore = await database.cpuSeconds();
    for (let pass = 0; pass < options.passes; pass += 1) {
      for (const [index, query] of options.queries.entries()) {
        const started = performance.now();
        const rows = await database.query<{ id: number }>(effort.searchSql, [query]);
        latenciesMs[index] = Math.min(latenciesMs[index]!, performance.now() - started);
        if (pass === 0)
          recalls.push(
            recallAtK(
              rows.map((row) => Number(row.id)),
              options.truth[index]!,
            ),
          );
      }
    }
    const cpuAfter = await database.cpuSeconds();
    return {
      effort: effort.label,
      queryCount: options.queries.length,
      passes: options.passes,
      p50Ms: percentile(latenciesMs, 0.5),
      p95Ms: percentile(latenciesMs, 0.95),
      meanMs: latenciesMs.reduce((sum, value) => sum + value, 0) / latenciesMs.length,
      cpuMsPerQuery:
        cpuBefore === undefined || cpuAfter === undefined
          ? undefined
          : ((cpuAfter - cpuBefore) * 1000) / (options.queries.length * options.passes),
      recall: recalls.reduce((sum, value) => sum + value, 0) / recalls.length,
      worstRecall: Math.min(...recalls),
      queriesBelowHalfRecall: recalls.filter((recall) => recall < 0.5).length,
      plan,
    };
  } finally {
    if (plan === 'forced') await database.query('reset enable_seqscan');
  }
}

async function planUses(
  database: BenchDatabase,
  searchSql: string,
  query: string,
  expectedIndex: string,
): Promise<boolean> {
  const rows = await database.query<Record<string, unknown>>(`explain ${searchSql}`, [query]);
  return rows.some((row) => Object.values(row).some((value) => String(value).includes(expectedIndex)));
}
