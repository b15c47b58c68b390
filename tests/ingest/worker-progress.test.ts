import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressFromSlide } from '@pathlens/ingest';
import { slides, type SlideRow } from '@pathlens/store';
import { stainColours, stainPatchPng } from '../helpers/stain-fixtures.ts';
import { startTestServer } from '../helpers/test-server.ts';

describe('ingestion progress from the slide row', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const row = (overrides: Partial<SlideRow>) =>
    ({
      id: 'slide-1',
      status: 'running',
      tilesDone: 300,
      tilesTotal: 1000,
      patchCount: 120,
      attemptStartedAt: new Date(now - 20_000),
      attemptStartTilesDone: 100,
      updatedAt: new Date(now - 2_000),
      ...overrides,
    }) as SlideRow;

  it('rates this attempt only, and counts down from the last progress write', () => {
    // 200 tiles in the 18 s between the claim and the last write: 11.1 tiles/s; 700 left ≈ 63 s, 2 s of which have
    // passed.
    const progress = progressFromSlide(row({}), now);
    expect(progress).toMatchObject({ slideId: 'slide-1', tilesDone: 300, tilesTotal: 1000, patchCount: 120 });
    expect(progress.tilesPerSecond).toBeCloseTo(200 / 18, 5);
    expect(progress.etaSeconds).toBeCloseTo(700 / (200 / 18) - 2, 5);
  });

  it('has no rate before this attempt has made progress, nor for a slide that is not running', () => {
    expect(progressFromSlide(row({ tilesDone: 100 }), now)).toMatchObject({ tilesPerSecond: null, etaSeconds: null });
    expect(progressFromSlide(row({ updatedAt: new Date(now - 20_000) }), now)).toMatchObject({ tilesPerSecond: null });
    expect(progressFromSlide(row({ status: 'ready', tilesDone: 1000 }), now)).toMatchObject({
      tilesDone: 1000,
      tilesPerSecond: null,
      etaSeconds: null,
    });
    expect(progressFromSlide(row({ status: 'queued', attemptStartedAt: null }), now)).toMatchObject({
      tilesPerSecond: null,
    });
  });

  it('never shows a negative ETA when the worker has gone quiet for longer than the estimate', () => {
    expect(progressFromSlide(row({ updatedAt: new Date(now - 19_000 + 1) }), now + 3_600_000).etaSeconds).toBe(0);
  });
});

describe('GET /v1/slides/:id while another process ingests the slide', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;

  beforeAll(async () => {
    server = await startTestServer({ ingestWorkers: '0' }); // this server ingests nothing itself
  });
  afterAll(async () => {
    await server?.dispose();
  });

  it('shows the tiles done, rate, ETA and worker that the other process writes to the database', async () => {
    const form = new FormData();
    form.append('file', new Blob([await stainPatchPng(stainColours.eosin, 3, 448)]), 'eosin.png');
    form.append('tile_at_level0', 'true');
    const queued = (await (
      await fetch(`${server.server.url}/v1/slides`, { method: 'POST', body: form })
    ).json()) as Record<string, any>;
    expect(queued.status).toBe('queued');

    // What a `pathlens worker` elsewhere does: claim the slide and write progress after each batch.
    const { store } = server.server.holder.runtime!;
    const claimed = await store.ingestionJobs.claimNext({
      workerId: 'gpu-box/4242/c0ffee',
      encoderId: 'pathlens/tiny-clip',
      staleAfterSeconds: 60,
      maxAttempts: 3,
    });
    expect(claimed?.id).toBe(queued.id);
    await store.handle.db
      .update(slides)
      .set({
        tilesTotal: 1000,
        tilesDone: 250,
        patchCount: 200,
        attemptStartedAt: sql`now() - interval '10 seconds'`,
        updatedAt: sql`now()`,
      })
      .where(eq(slides.id, queued.id));

    const running = (await (await fetch(`${server.server.url}/v1/slides/${queued.id}`)).json()) as Record<string, any>;
    expect(running).toMatchObject({ status: 'running', patch_count: 200 });
    expect(running.progress).toMatchObject({
      tiles_done: 250,
      tiles_total: 1000,
      fraction: 0.25,
      attempts: 1,
      worker_id: 'gpu-box/4242/c0ffee',
    });
    expect(running.progress.tiles_per_second).toBeCloseTo(25, 0);
    expect(running.progress.eta_seconds).toBeGreaterThan(25);
    expect(running.progress.eta_seconds).toBeLessThanOrEqual(30);
  });
});
