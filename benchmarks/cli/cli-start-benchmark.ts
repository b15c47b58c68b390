/**
 * How fast `pathlens` answers help and argument errors, next to `node -e 0` (Node's own
 * start, the floor), interleaved round by round so a busy machine slows both alike; and,
 * with `--serve`, the time from starting `pathlens serve` on the demo models to `/readyz`
 * answering 200.
 *
 *   npx tsx benchmarks/cli/cli-start-benchmark.ts [--rounds 7] [--serve]
 *
 * The ratio to `node -e 0` is the number to compare (goal ≤ 6×). Needs the command manifest
 * (`npm install` writes it; any full `pathlens` start refreshes it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { rounds: { type: 'string', default: '7' }, serve: { type: 'boolean', default: false } },
});
const projectRoot = path.resolve(import.meta.dirname, '../..');
const pathlens = path.join(projectRoot, 'apps/cli/bin/pathlens.js');

const cases: { label: string; argv: string[] }[] = [
  { label: 'node -e 0', argv: ['-e', '0'] },
  { label: 'pathlens --help', argv: [pathlens, '--help'] },
  { label: 'pathlens ingest (missing argument)', argv: [pathlens, 'ingest'] },
  { label: 'pathlens search --bogus (unknown option)', argv: [pathlens, 'search', '--bogus'] },
];

const timesMs = new Map(cases.map(({ label }) => [label, [] as number[]]));
console.log(
  `${os.cpus().length} CPUs, load average at start ${os.loadavg()[0]!.toFixed(2)}; ${args.rounds} interleaved rounds`,
);
for (let round = 0; round < Number(args.rounds); round++) {
  for (const { label, argv } of cases) {
    const startedMs = performance.now();
    spawnSync(process.execPath, argv, { stdio: 'ignore' });
    timesMs.get(label)!.push(performance.now() - startedMs);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const floorMs = median(timesMs.get('node -e 0')!);
for (const { label } of cases) {
  const ms = median(timesMs.get(label)!);
  console.log(`${label.padEnd(42)} median ${ms.toFixed(0).padStart(5)} ms  ${(ms / floorMs).toFixed(2)}× node -e 0`);
}
console.log(`load average at end ${os.loadavg()[0]!.toFixed(2)}`);

if (args.serve) console.log(`pathlens serve → /readyz 200 (demo models): ${(await serveToReady()).toFixed(1)} s`);

/** Start the server on a free port with a fresh data directory and the demo models; seconds until /readyz says 200. */
async function serveToReady(): Promise<number> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-start-benchmark-'));
  const startedMs = performance.now();
  const server = spawn(
    process.execPath,
    [pathlens, 'serve', '--port', '0', '--data-dir', dataDir, '--pull-models', 'false'],
    {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let log = '';
      const look = (chunk: Buffer) => {
        log += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
        if (match) resolve(Number(match[1]));
      };
      server.stdout.on('data', look);
      server.stderr.on('data', look);
      server.on('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${log}`)));
    });
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
      if (response?.status === 200) return (performance.now() - startedMs) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await rm(dataDir, { recursive: true, force: true });
  }
}
