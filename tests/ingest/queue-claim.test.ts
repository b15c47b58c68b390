import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, eq } from 'drizzle-orm';
import { slides, type ClaimOptions, type Store } from '@pathlens/store';
import { openStore } from '@pathlens/store';
import { createFreshDatabase } from '../helpers/fresh-database.ts';
import { testStoreFactories } from '../helpers/test-stores.ts';

const encoderId = 'pathlens/tiny-clip';

/** A queued slide row, created `ageSeconds` ago (the queue is oldest first). */
async function queueSlide(store: Store, name: string, ageSeconds: number, options: { encoderId?: string } = {}) {
  return store.slides.create({
    name,
    filePath: `/slides/${name}.svs`,
    contentSha256: randomUUID(),
    format: 'aperio-svs',
    widthPx: 2240,
    heightPx: 2240,
    patchSizeLevel0Px: 224,
    encoderId: options.encoderId ?? encoderId,
    createdAt: new Date(Date.now() - ageSeconds * 1000),
  });
}

/** Make a running slide's worker look dead: its last heartbeat `seconds` ago. */
async function ageHeartbeat(store: Store, slideId: string, seconds: number) {
  await store.handle.db
    .update(slides)
    .set({ heartbeatAt: sql`now() - make_interval(secs => ${seconds})` })
    .where(eq(slides.id, slideId));
}

for (const factory of testStoreFactories()) {
  describe(`ingestion queue on ${factory.name}`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    const worker = (workerId: string): ClaimOptions => ({ workerId, encoderId, staleAfterSeconds: 30, maxAttempts: 3 });

    beforeAll(async () => {
      ({ store, dispose } = await factory.open());
    });
    afterAll(async () => {
      await dispose?.();
    });

    it('hands out each queued slide once, oldest first, to workers of its encoder only', async () => {
      const older = await queueSlide(store, 'older', 30);
      const newer = await queueSlide(store, 'newer', 20);
      await queueSlide(store, 'other-encoder', 40, { encoderId: 'someone/else' });

      const first = await store.ingestionJobs.claimNext(worker('a'));
      expect(first).toMatchObject({
        id: older.id,
        status: 'running',
        workerId: 'a',
        attempts: 1,
        attemptStartTilesDone: 0,
      });
      expect(first?.heartbeatAt).toBeInstanceOf(Date);
      expect(first?.attemptStartedAt).toBeInstanceOf(Date);
      expect(await store.ingestionJobs.claimNext(worker('b'))).toMatchObject({ id: newer.id, workerId: 'b' });
      expect(await store.ingestionJobs.claimNext(worker('c'))).toBeUndefined();

      expect(await store.ingestionJobs.heartbeat(older.id, 'a')).toBe(true);
      expect(await store.ingestionJobs.heartbeat(older.id, 'b')).toBe(false);
      expect(await store.ingestionJobs.countByStatus()).toEqual({ queued: 1, running: 2, ready: 0, failed: 0 });
      await store.ingestionJobs.fail(older.id, 'a', 'done with this test');
      await store.ingestionJobs.fail(newer.id, 'b', 'done with this test');
    });

    it('takes over a dead worker’s slide, counting the attempt and where it resumes', async () => {
      const slide = await queueSlide(store, 'crashy', 10);
      await store.ingestionJobs.claimNext(worker('dies'));
      await store.slides.updateProgress(slide.id, { tilesDone: 40, patchCount: 32 });

      await ageHeartbeat(store, slide.id, 5); // 5 s old: still alive at a 30 s limit
      expect(await store.ingestionJobs.claimNext(worker('rescuer'))).toBeUndefined();

      await ageHeartbeat(store, slide.id, 31);
      const takenOver = await store.ingestionJobs.claimNext(worker('rescuer'));
      expect(takenOver).toMatchObject({
        id: slide.id,
        workerId: 'rescuer',
        attempts: 2,
        attemptStartTilesDone: 40,
        tilesDone: 40,
      });
      // The old holder is told it lost the slide at its next heartbeat, and cannot touch it.
      expect(await store.ingestionJobs.heartbeat(slide.id, 'dies')).toBe(false);
      expect(await store.ingestionJobs.fail(slide.id, 'dies', 'late')).toBe(false);
      expect(await store.ingestionJobs.release(slide.id, 'dies')).toBe(false);
      expect(await store.slides.findById(slide.id)).toMatchObject({ status: 'running', workerId: 'rescuer' });
      await store.ingestionJobs.fail(slide.id, 'rescuer', 'done with this test');
    });

    it('a graceful stop gives the slide back without using up an attempt', async () => {
      const slide = await queueSlide(store, 'interrupted', 10);
      await store.ingestionJobs.claimNext(worker('deploying'));
      expect(await store.ingestionJobs.release(slide.id, 'deploying')).toBe(true);
      expect(await store.slides.findById(slide.id)).toMatchObject({
        status: 'queued',
        workerId: null,
        heartbeatAt: null,
      });
      expect(await store.ingestionJobs.claimNext(worker('next'))).toMatchObject({
        id: slide.id,
        workerId: 'next',
        attempts: 1,
      });
      await store.ingestionJobs.fail(slide.id, 'next', 'done with this test');
    });

    it('fails a slide whose workers died maxAttempts times, with the reason, and the queue moves on', async () => {
      const poison = await queueSlide(store, 'poison', 20);
      const healthy = await queueSlide(store, 'healthy', 10);
      for (const attempt of [1, 2, 3]) {
        const claimed = await store.ingestionJobs.claimNext(worker(`victim-${attempt}`));
        expect(claimed).toMatchObject({ id: poison.id, attempts: attempt });
        await ageHeartbeat(store, poison.id, 60);
      }
      // Attempts used up: no worker takes it again; it is failed with a reason that says what happened.
      const exhausted = await store.ingestionJobs.failExhausted({ staleAfterSeconds: 30, maxAttempts: 3 });
      expect(exhausted.map((slide) => slide.id)).toEqual([poison.id]);
      const failed = await store.slides.findById(poison.id);
      expect(failed?.status).toBe('failed');
      expect(failed?.failureReason).toMatch(/interrupted 3 times.*victim-3.*re-ingest with force/);
      expect(await store.ingestionJobs.claimNext(worker('next'))).toMatchObject({ id: healthy.id, attempts: 1 });
      await store.ingestionJobs.fail(healthy.id, 'next', 'done with this test');
    });

    it('on the embedded store, a restart can take over everything left running at once', async () => {
      const slide = await queueSlide(store, 'left-running', 10);
      await store.ingestionJobs.claimNext(worker('previous-process'));
      expect(await store.ingestionJobs.claimNext(worker('this-process'))).toBeUndefined();
      expect(await store.ingestionJobs.abandonAllRunning()).toBe(1);
      expect(await store.ingestionJobs.claimNext(worker('this-process'))).toMatchObject({ id: slide.id, attempts: 2 });
      await store.ingestionJobs.fail(slide.id, 'this-process', 'done with this test');
    });

    it('three unrelated server crashes do not mark a healthy slide failed: each is recorded, no attempt lost', async () => {
      const healthy = await queueSlide(store, 'healthy-through-crashes', 10);
      for (const crash of [1, 2, 3]) {
        const claimed = await store.ingestionJobs.claimNext(worker(`host/${1000 + crash}/server-aa`));
        expect(claimed).toMatchObject({ id: healthy.id, attempts: 1 });
        // it progresses
        await store.slides.updateProgress(healthy.id, { tilesDone: 10 * crash, patchCount: 8 * crash });
        await ageHeartbeat(store, healthy.id, 60); // then the whole server dies (kill -9, power loss…)
        const resumed = await store.ingestionJobs.forgiveProcessCrashes({ staleAfterSeconds: 30 });
        expect(resumed.map((slide) => slide.id)).toEqual([healthy.id]);
        expect(await store.ingestionJobs.failExhausted({ staleAfterSeconds: 30, maxAttempts: 3 })).toEqual([]);
      }
      const after = await store.slides.findById(healthy.id);
      expect(after).toMatchObject({
        status: 'queued',
        attempts: 0,
        interruptions: 3,
        tilesDone: 30,
        failureReason: null,
      });
      expect(await store.ingestionJobs.claimNext(worker('host/2000/server-bb'))).toMatchObject({
        id: healthy.id,
        attempts: 1,
        attemptStartTilesDone: 30,
      });
      await store.ingestionJobs.fail(healthy.id, 'host/2000/server-bb', 'done with this test');
    });

    it('a crash that takes down every job of a process charges none of them', async () => {
      const first = await queueSlide(store, 'crash-first', 10);
      const second = await queueSlide(store, 'crash-second', 9);
      await store.ingestionJobs.claimNext(worker('host/77/aa'));
      await store.ingestionJobs.claimNext(worker('host/77/bb')); // the same process, another loop
      expect(await store.ingestionJobs.abandonAllRunning()).toBe(2);
      const resumed = await store.ingestionJobs.forgiveProcessCrashes({ staleAfterSeconds: 30 });
      expect(resumed.map((slide) => slide.id).sort()).toEqual([first.id, second.id].sort());
      for (const slide of [first, second]) {
        expect(await store.slides.findById(slide.id)).toMatchObject({
          status: 'queued',
          attempts: 0,
          interruptions: 1,
        });
        await store.ingestionJobs.claimNext(worker('host/78/cc'));
      }
      await store.ingestionJobs.fail(first.id, 'host/78/cc', 'done with this test');
      await store.ingestionJobs.fail(second.id, 'host/78/cc', 'done with this test');
    });

    it('a slide whose worker dies holding it alone, or whose server dies before it stored anything, is charged', async () => {
      const lonely = await queueSlide(store, 'dies-alone', 10);
      await store.ingestionJobs.claimNext(worker('host/90/worker')); // a standalone worker, progressing
      await store.slides.updateProgress(lonely.id, { tilesDone: 20, patchCount: 16 });
      await ageHeartbeat(store, lonely.id, 60);
      expect(await store.ingestionJobs.forgiveProcessCrashes({ staleAfterSeconds: 30 })).toEqual([]);
      expect(await store.ingestionJobs.claimNext(worker('host/91/server-aa'))).toMatchObject({
        id: lonely.id,
        attempts: 2,
      });
      await ageHeartbeat(store, lonely.id, 60); // the server died before storing a batch: it may be the cause
      expect(await store.ingestionJobs.forgiveProcessCrashes({ staleAfterSeconds: 30 })).toEqual([]);
      expect(await store.ingestionJobs.claimNext(worker('host/92/server-aa'))).toMatchObject({
        id: lonely.id,
        attempts: 3,
      });
      await store.ingestionJobs.fail(lonely.id, 'host/92/server-aa', 'done with this test');
    });
  });
}

describe.runIf(process.env.DATABASE_URL)('ingestion queue shared by several processes (PostgreSQL)', () => {
  it('two connection pools claiming at the same moment never get the same slide', async () => {
    const database = await createFreshDatabase(process.env.DATABASE_URL!);
    // Two stores on one database: two connection pools, as two worker processes have.
    const first = await openStore({ dataDir: '/nonexistent', databaseUrl: database.url });
    const second = await openStore({ dataDir: '/nonexistent', databaseUrl: database.url });
    try {
      const queued = await Promise.all(
        Array.from({ length: 24 }, (_, index) => queueSlide(first, `parallel-${index}`, 100 + index)),
      );
      const loops = [first, second].flatMap((store, storeIndex) =>
        Array.from({ length: 4 }, async (_, loopIndex) => {
          const options: ClaimOptions = {
            workerId: `w${storeIndex}-${loopIndex}`,
            encoderId,
            staleAfterSeconds: 30,
            maxAttempts: 3,
          };
          const mine: string[] = [];
          for (
            let slide = await store.ingestionJobs.claimNext(options);
            slide;
            slide = await store.ingestionJobs.claimNext(options)
          )
            mine.push(slide.id);
          return mine;
        }),
      );
      const claimed = (await Promise.all(loops)).flat();
      expect(claimed).toHaveLength(queued.length);
      expect(new Set(claimed)).toEqual(new Set(queued.map((slide) => slide.id)));
      const rows = await first.slides.list(100);
      expect(rows.every((row) => row.status === 'running' && row.attempts === 1)).toBe(true);
    } finally {
      await first.close();
      await second.close();
      await database.drop();
    }
  });
});

if (!process.env.DATABASE_URL)
  console.warn('[skip] DATABASE_URL is not set: the multi-connection queue test needs a PostgreSQL server.');
