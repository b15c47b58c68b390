import { percentile } from '../shared/percentile.ts';

/** Latency and status counts per route, for the load benchmark's table. */
export class Latencies {
  private readonly routes = new Map<
    string,
    { latenciesMs: number[]; statuses: Map<number, number>; errors: string[] }
  >();

  private entry(route: string) {
    let entry = this.routes.get(route);
    if (!entry) this.routes.set(route, (entry = { latenciesMs: [], statuses: new Map(), errors: [] }));
    return entry;
  }

  record(route: string, status: number, latencyMs: number): void {
    const entry = this.entry(route);
    entry.latenciesMs.push(latencyMs);
    entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
  }

  recordError(route: string, message: string): void {
    this.entry(route).errors.push(message);
  }

  serverErrors(): number {
    return [...this.routes.values()].reduce(
      (sum, entry) =>
        sum + [...entry.statuses].filter(([status]) => status >= 500).reduce((total, [, count]) => total + count, 0),
      0,
    );
  }

  errorCount(): number {
    return [...this.routes.values()].reduce((sum, entry) => sum + entry.errors.length, 0);
  }

  errorSample(): string | null {
    return [...this.routes.values()].flatMap((entry) => entry.errors)[0] ?? null;
  }

  /** A text table: route, requests, per second, p50/p95/p99 ms, 2xx, 429, other 4xx, 5xx, errors. */
  table(elapsedS: number): string {
    const rows = [
      ['route', 'requests', 'per s', 'p50 ms', 'p95 ms', 'p99 ms', '2xx', '429', 'other 4xx', '5xx', 'errors'],
    ];
    const count = (statuses: Map<number, number>, test: (status: number) => boolean) =>
      [...statuses].filter(([status]) => test(status)).reduce((sum, [, n]) => sum + n, 0);
    let total = 0;
    for (const [route, entry] of [...this.routes].sort(([a], [b]) => a.localeCompare(b))) {
      const latencies = entry.latenciesMs;
      const at = (fraction: number) => (latencies.length ? percentile(latencies, fraction).toFixed(0) : '—');
      total += latencies.length;
      rows.push([
        route,
        String(latencies.length),
        (latencies.length / elapsedS).toFixed(2),
        at(0.5),
        at(0.95),
        at(0.99),
        String(count(entry.statuses, (status) => status < 300)),
        String(count(entry.statuses, (status) => status === 429)),
        String(count(entry.statuses, (status) => status >= 400 && status < 500 && status !== 429)),
        String(count(entry.statuses, (status) => status >= 500)),
        String(entry.errors.length),
      ]);
    }
    rows.push(['all', String(total), (total / elapsedS).toFixed(2), '', '', '', '', '', '', '', '']);
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    return rows
      .map((row) =>
        row
          .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
          .join('  '),
      )
      .join('\n');
  }
}

/** This process's RSS (the server runs in it), sampled on a timer. */
export class MemoryTimeline {
  private readonly samplesMb: number[] = [];
  private timer: NodeJS.Timeout | null = null;

  start(everyMs: number): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  summary(): string {
    return `${this.samplesMb.join(' ')} (min ${Math.min(...this.samplesMb)}, max ${Math.max(...this.samplesMb)})`;
  }

  private sample(): void {
    this.samplesMb.push(Math.round(process.memoryUsage().rss / 1_048_576));
  }
}
