import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { registerSlide } from '@pathlens/ingest';
import { openStore, patches, type SlideRow, type Store } from '@pathlens/store';
import { createFreshDatabase } from '../helpers/fresh-database.ts';
import { projectRoot } from '../helpers/shared-data.ts';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';

/** What a `pathlens worker` logged when it finished a slide (`ingested <name> {…}`). */
interface IngestedLine {
  slideId: string;
  workerId: string;
  status: string;
  patchesEncoded: number;
}

/** A `pathlens worker` child process on the test database, with its log collected. */
class WorkerProcess {
  readonly child: ChildProcess;
  log = '';
  readonly exited: Promise<number | null>;

  constructor(environment: Record<string, string>) {
    this.child = spawn(process.execPath, [path.join(projectRoot, 'apps/cli/bin/pathlens.js'), 'worker'], {
      cwd: projectRoot,
      env: { ...process.env, ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves once the worker logs that it is polling the queue. */
  async ready(): Promise<void> {
    await waitFor(async () => / ready: encoder /.test(this.log), `worker ready; its log so far:\n${this.log}`);
  }

  get ingested(): IngestedLine[] {
    return [...this.log.matchAll(/ info {2}ingested .+? (\{.*\})$/gm)].map(
      (match) => JSON.parse(match[1]!) as IngestedLine,
    );
  }
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.runIf(process.env.DATABASE_URL)('`pathlens worker` processes on one PostgreSQL queue', () => {
  let directory: string;
  let database: { url: string; drop(): Promise<void> };
  let store: Store;
  const children: WorkerProcess[] = [];

  function startWorker(extra: Record<string, string> = {}): WorkerProcess {
    const worker = new WorkerProcess({
      DATABASE_URL: database.url,
      DATA_DIR: path.join(directory, 'data'),
      MODELS_DIR: inject('modelsDir'),
      IMAGE_TEXT_ENCODER: 'pathlens/tiny-clip',
      CHAT_MODEL: 'pathlens/tiny-chat',
      PULL_MODELS: 'false',
      LOG_LEVEL: 'info',
      ...extra,
    });
    children.push(worker);
    return worker;
  }

  /** A two-stain PNG slide of `columns × rows` 224-px tissue patches; `seed` makes its bytes unique. */
  async function queueSlide(name: string, columns: number, rows: number, seed: number): Promise<SlideRow> {
    const filePath = path.join(directory, `${name}.png`);
    await writeTwoStainSlide(filePath, { widthPx: columns * 224 + (seed % 8), heightPx: rows * 224 });
    return (
      await registerSlide(store, {
        filePath,
        encoderId: 'pathlens/tiny-clip',
        inputSizePx: 224,
        targetMpp: 0.5,
        tileAtLevel0: true,
      })
    ).slide;
  }

  async function allReady(ids: string[]): Promise<boolean> {
    const rows = await Promise.all(ids.map((id) => store.slides.findById(id)));
    const failed = rows.find((row) => row?.status === 'failed');
    if (failed) throw new Error(`slide ${failed.name} failed: ${failed.failureReason}`);
    return rows.every((row) => row?.status === 'ready');
  }

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-worker-processes-'));
    database = await createFreshDatabase(process.env.DATABASE_URL!);
    store = await openStore({ dataDir: directory, databaseUrl: database.url });
  });
  afterAll(async () => {
    for (const worker of children) worker.child.kill('SIGKILL');
    await Promise.all(children.map((worker) => worker.exited));
    await store?.close();
    await database?.drop();
    await rm(directory, { recursive: true, force: true });
  });

  it('two workers split one queue and no slide is ingested twice', { timeout: 180_000 }, async () => {
    const workers = [startWorker({ ENCODER_BATCH_SIZE: '4' }), startWorker({ ENCODER_BATCH_SIZE: '4' })];
    await Promise.all(workers.map((worker) => worker.ready()));
    const queued: SlideRow[] = [];
    for (let index = 0; index < 8; index++) queued.push(await queueSlide(`split-${index}`, 8, 3, index));
    const ids = queued.map((slide) => slide.id);
    await waitFor(() => allReady(ids), 'all slides ready');

    for (const worker of workers) worker.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual([0, 0]);

    const [first, second] = workers.map((worker) => worker.ingested);
    console.info(`[worker-processes] 8 slides split ${first!.length} / ${second!.length} between two workers`);
    // Each slide was ingested by exactly one of the two, and each did some of the work.
    const ingestedIds = [...first!, ...second!].map((line) => line.slideId);
    expect(ingestedIds.toSorted()).toEqual(ids.toSorted());
    expect(first!.length).toBeGreaterThan(0);
    expect(second!.length).toBeGreaterThan(0);
    // No patch was encoded twice: what the workers encoded is exactly what is stored.
    const rows = await Promise.all(ids.map((id) => store.slides.findById(id)));
    expect(rows.every((row) => row?.status === 'ready' && row.attempts === 1 && row.patchCount === 24)).toBe(true);
    expect([...first!, ...second!].reduce((sum, line) => sum + line.patchesEncoded, 0)).toBe(8 * 24);
    // The rows name the worker that logged them.
    for (const line of [...first!, ...second!])
      expect(rows.find((row) => row?.id === line.slideId)?.workerId).toBe(line.workerId);
  });

  it(
    'a worker killed mid-slide (SIGKILL) is taken over, and the new one encodes only what was not stored',
    { timeout: 180_000 },
    async () => {
      // 20 × 10 = 200 tissue patches, 4 a batch: 50 stored batches, slow enough to kill in the middle.
      const slide = await queueSlide('killed', 20, 10, 99);
      const doomed = startWorker({ ENCODER_BATCH_SIZE: '4', INGEST_STALE_SECONDS: '2' });
      await waitFor(
        async () => (await store.patches.countForSlide(slide.id)) >= 40,
        'the first worker to store some batches',
      );
      doomed.child.kill('SIGKILL');
      await doomed.exited;

      const beforeTakeover = await store.slides.findById(slide.id);
      expect(beforeTakeover).toMatchObject({ status: 'running', attempts: 1 });
      const storedBefore = await patchIdsByPosition(store, slide.id);
      expect(storedBefore.size).toBeGreaterThanOrEqual(40);
      expect(storedBefore.size).toBeLessThan(200);

      // The dead worker's heartbeat goes stale after 2 s; the new worker then takes the slide over.
      const rescuer = startWorker({ ENCODER_BATCH_SIZE: '4', INGEST_STALE_SECONDS: '2' });
      await waitFor(() => allReady([slide.id]), 'the rescuer to finish the slide');
      rescuer.child.kill('SIGTERM');
      expect(await rescuer.exited).toBe(0);

      const finished = await store.slides.findById(slide.id);
      expect(finished).toMatchObject({ status: 'ready', patchCount: 200, attempts: 2 });
      expect(finished?.workerId).not.toBe(beforeTakeover?.workerId);
      const storedAfter = await patchIdsByPosition(store, slide.id);
      expect(storedAfter.size).toBe(200);
      // The batches stored before the kill were kept as they were (same rows, same ids), not encoded again…
      for (const [position, id] of storedBefore) expect(storedAfter.get(position)).toBe(id);
      // …and the new worker says it encoded only the rest.
      console.info(
        `[worker-processes] killed with ${storedBefore.size}/200 patches stored; the new worker encoded ${rescuer.ingested[0]?.patchesEncoded}`,
      );
      expect(rescuer.ingested).toEqual([
        expect.objectContaining({
          slideId: slide.id,
          status: 'ready',
          patchesEncoded: 200 - storedBefore.size,
          workerId: finished?.workerId,
        }),
      ]);
    },
  );
});

/** `"x,y"` → patch row id. */
async function patchIdsByPosition(store: Store, slideId: string): Promise<Map<string, number>> {
  const rows = await store.handle.db
    .select({ id: patches.id, x: patches.xLevel0, y: patches.yLevel0 })
    .from(patches)
    .where(eq(patches.slideId, slideId));
  return new Map(rows.map((row) => [`${row.x},${row.y}`, row.id]));
}

if (!process.env.DATABASE_URL)
  console.warn(
    '[skip] DATABASE_URL is not set: the `pathlens worker` process tests need a PostgreSQL server (.ci/run sets one up).',
  );
