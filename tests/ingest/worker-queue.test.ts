import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '@pathlens/core';
import { ClipImageEncoder } from '@pathlens/encoders';
import { IngestionWorker, registerSlide, type IngestionWorkerOptions, type JobOutcome } from '@pathlens/ingest';
import { slides, type Store } from '@pathlens/store';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { testStoreFactories } from '../helpers/test-stores.ts';

for (const factory of testStoreFactories()) {
  describe(`ingestion workers on ${factory.name}`, () => {
    let directory: string;
    let store: Store;
    let dispose: () => Promise<void>;
    let encoder: ClipImageEncoder;
    const workers: IngestionWorker[] = [];

    /** A worker on the test's store, recording how each job ended. */
    function startWorker(options: Partial<IngestionWorkerOptions> = {}) {
      const worker = new IngestionWorker(
        { store, imageEncoder: encoder, logger: silentLogger },
        { minTissueFraction: 0.25, batchSize: 4, pollIntervalMs: 50, ...options },
      );
      const outcomes: JobOutcome[] = [];
      worker.on('finished', (outcome: JobOutcome) => outcomes.push(outcome));
      workers.push(worker);
      return { worker, outcomes };
    }

    /** A 1792 × 672 two-stain slide: 8 × 3 = 24 tissue patches of 224 px. `seed` makes the bytes (and the slide)
     * distinct.
     */
    async function registerTwoStain(name: string, seed: number) {
      const filePath = path.join(directory, `${name}.png`);
      await writeTwoStainSlide(filePath, { widthPx: 1792 + seed, heightPx: 672 });
      return (
        await registerSlide(store, {
          filePath,
          encoderId: encoder.modelId,
          inputSizePx: 224,
          targetMpp: 0.5,
          tileAtLevel0: true,
        })
      ).slide;
    }

    beforeAll(async () => {
      directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-worker-'));
      ({ store, dispose } = await factory.open());
      encoder = await ClipImageEncoder.load({ modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' });
    });
    afterAll(async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await encoder?.dispose();
      await dispose?.();
      await rm(directory, { recursive: true, force: true });
    });

    it('marks a slide that cannot be ingested failed, with its reason, and goes on to the next', async () => {
      const vanished = await registerTwoStain('vanished', 1);
      await rm(vanished.filePath); // registered, then the file went away before a worker got to it
      const good = await registerTwoStain('good', 2);

      const { worker, outcomes } = startWorker();
      await worker.start();
      await worker.idle();
      await worker.stop();

      const failed = await store.slides.findById(vanished.id);
      expect(failed).toMatchObject({ status: 'failed', attempts: 1, workerId: worker.workerIds[0] });
      expect(failed?.failureReason).toMatch(/vanished\.png/);
      expect(await store.slides.findById(good.id)).toMatchObject({ status: 'ready', patchCount: 24, attempts: 1 });
      expect(outcomes.map((outcome) => [outcome.slideId, outcome.status, outcome.patchesEncoded])).toEqual([
        [vanished.id, 'failed', 0],
        [good.id, 'ready', 24],
      ]);
    });

    it('stops gracefully: the batch in hand is stored, the slide is queued again, and the next worker encodes only the rest', async () => {
      const slide = await registerTwoStain('stopped', 3);
      const first = startWorker();
      let stopping: Promise<void> | undefined;
      first.worker.on('progress', ({ patchCount }: { patchCount: number }) => {
        if (patchCount >= 8) stopping ??= first.worker.stop(); // SIGTERM, as `pathlens worker` handles it
      });
      await first.worker.start();
      await new Promise<void>((resolve) => first.worker.once('finished', () => resolve()));
      await stopping;

      const stoppedRow = await store.slides.findById(slide.id);
      expect(stoppedRow).toMatchObject({ status: 'queued', workerId: null });
      const storedBefore = await store.patches.countForSlide(slide.id);
      expect(storedBefore).toBeGreaterThanOrEqual(8);
      expect(storedBefore).toBeLessThan(24);
      expect(first.outcomes).toEqual([{ slideId: slide.id, status: 'released', patchesEncoded: storedBefore }]);

      const second = startWorker();
      await second.worker.start();
      await second.worker.idle();
      await second.worker.stop();
      expect(await store.slides.findById(slide.id)).toMatchObject({ status: 'ready', patchCount: 24, attempts: 1 });
      expect(second.outcomes).toEqual([{ slideId: slide.id, status: 'ready', patchesEncoded: 24 - storedBefore }]);
    });

    it('fails a slide whose worker died too often, and ingests the next', async () => {
      const poison = await registerTwoStain('poison', 4);
      const next = await registerTwoStain('next', 5);
      // As if three workers in turn took the slide and died (out of memory, say): running, attempts used up, silent for
      // minutes.
      await store.handle.db
        .update(slides)
        .set({
          status: 'running',
          workerId: 'gone/1234/abcdef',
          attempts: 3,
          heartbeatAt: sql`now() - interval '10 minutes'`,
        })
        .where(eq(slides.id, poison.id));

      const { worker, outcomes } = startWorker({ maxAttempts: 3 });
      await worker.start();
      await worker.idle();
      await worker.stop();

      const failed = await store.slides.findById(poison.id);
      expect(failed?.status).toBe('failed');
      expect(failed?.failureReason).toMatch(/interrupted 3 times.*gone\/1234\/abcdef/);
      expect(await store.patches.countForSlide(poison.id)).toBe(0);
      expect(await store.slides.findById(next.id)).toMatchObject({ status: 'ready', patchCount: 24 });
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['failed', 'ready']);
    });
  });
}
