import type { LoadResult } from './load-vectors.ts';
import type { SearchMeasurement } from './measure-search.ts';

export interface VariantResult {
  name: string;
  description: string;
  buildParameters: Record<string, number>;
  /** Undefined for the exact scan (nothing to build). */
  buildSeconds?: number;
  /** CPU seconds of the build (embedded: this process; server: the leader backend only, not parallel workers). */
  buildCpuSeconds?: number;
  indexBytes?: number;
  /** Notices the build raised (e.g. pgvector's "hnsw graph no longer fits into maintenance_work_mem"). */
  buildNotices: string[];
  measurements: SearchMeasurement[];
}

export interface Targets {
  /** Index build must finish within this (embedded only). */
  maxBuildSeconds?: number;
  maxP95Ms: number;
  minRecall: number;
}

/** The issue's targets: embedded 100k (build < 2 min, p95 < 50 ms); server 1M (p95 < 20 ms, recall@10 ≥ 0.95). */
export function targetsFor(store: 'embedded' | 'postgres'): Targets {
  // The issue sets no recall bar for the embedded store; the server's 0.95 is applied so
  // that "searchable" means the same thing in both.
  return store === 'embedded'
    ? { maxBuildSeconds: 120, maxP95Ms: 50, minRecall: 0.95 }
    : { maxP95Ms: 20, minRecall: 0.95 };
}

/** Which targets a measurement misses ('' when it meets all). */
export function missedTargets(variant: VariantResult, measurement: SearchMeasurement, targets: Targets): string[] {
  const missed: string[] = [];
  if (targets.maxBuildSeconds !== undefined && (variant.buildSeconds ?? 0) > targets.maxBuildSeconds)
    missed.push('build');
  if (measurement.p95Ms > targets.maxP95Ms) missed.push('p95');
  if (measurement.recall < targets.minRecall) missed.push('recall');
  return missed;
}

export function formatReport(header: string, load: LoadResult, variants: VariantResult[], targets: Targets): string {
  const megabytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  const lines = [
    header,
    `load: ${load.rowCount.toLocaleString('en')} rows by binary COPY in ${load.wallSeconds.toFixed(1)} s wall ` +
      `(of which ${load.clientSeconds.toFixed(1)} s generating data + exact ground truth in JS; database ${load.databaseSeconds === undefined ? 'time unknown' : `${load.databaseSeconds.toFixed(1)} s`}, ≈ ${Math.round(load.copyRowsPerSecond).toLocaleString('en')} rows/s); ` +
      `vacuum analyze ${load.vacuumAnalyzeSeconds.toFixed(1)} s; table ${megabytes(load.tableBytes)} MB (TOAST ${megabytes(load.toastBytes)} MB)`,
    '',
    [
      'index',
      'build s',
      'build CPU s',
      'size MB',
      'effort',
      'p50 ms',
      'p95 ms',
      'CPU ms/q',
      'recall@10',
      'worst',
      '<0.5',
      'plan',
      'targets',
    ].join('\t'),
  ];
  for (const variant of variants) {
    for (const measurement of variant.measurements) {
      const missed = missedTargets(variant, measurement, targets);
      lines.push(
        [
          variant.name,
          variant.buildSeconds === undefined ? '-' : variant.buildSeconds.toFixed(1),
          variant.buildCpuSeconds === undefined ? '-' : variant.buildCpuSeconds.toFixed(1),
          variant.indexBytes === undefined ? '-' : megabytes(variant.indexBytes),
          measurement.effort,
          measurement.p50Ms.toFixed(2),
          measurement.p95Ms.toFixed(2),
          measurement.cpuMsPerQuery === undefined ? '-' : measurement.cpuMsPerQuery.toFixed(2),
          measurement.recall.toFixed(3),
          measurement.worstRecall.toFixed(1),
          String(measurement.queriesBelowHalfRecall),
          measurement.plan,
          missed.length === 0 ? 'MET' : `missed: ${missed.join(', ')}`,
        ].join('\t'),
      );
    }
    for (const notice of variant.buildNotices) lines.push(`  notice (${variant.name} build): ${notice}`);
  }
  const targetText = [
    targets.maxBuildSeconds === undefined ? undefined : `build ≤ ${targets.maxBuildSeconds} s`,
    `p95 ≤ ${targets.maxP95Ms} ms`,
    `recall@10 ≥ ${targets.minRecall}`,
  ].filter(Boolean);
  lines.push('', `targets: ${targetText.join(', ')}`);
  return alignColumns(lines);
}

/** Pads tab-separated lines into aligned columns; other lines pass through. */
function alignColumns(lines: string[]): string {
  const rows = lines.map((line) => line.split('\t'));
  const widths: number[] = [];
  for (const row of rows)
    if (row.length > 1) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row.length > 1
        ? row
            .map((cell, column) => cell.padEnd(widths[column]!))
            .join('  ')
            .trimEnd()
        : row[0],
    )
    .join('\n');
}
