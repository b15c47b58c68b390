import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '@pathlens/core';
import { ClipImageEncoder, type ImageEncoder, type RgbPixels } from '@pathlens/encoders';
import { IngestionWorker, ingestSlide, registerSlide } from '@pathlens/ingest';
import { openStore, type Store } from '@pathlens/store';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';

/** The real tiny encoder, counting the images it is asked to embed. */
function countingEncoder(inner: ImageEncoder): ImageEncoder & { embedded: number } {
  const counting = {
    embedded: 0,
    modelId: inner.modelId,
    embeddingDimension: inner.embeddingDimension,
    inputSizePx: inner.inputSizePx,
    maxBatchSize: inner.maxBatchSize,
    embedImages: (images: RgbPixels[]) => {
      counting.embedded += images.length;
      return inner.embedImages(images);
    },
    dispose: () => inner.dispose(),
  };
  return counting;
}

describe('ingestion', () => {
  let directory: string;
  let store: Store;
  let encoder: ClipImageEncoder;
  let slidePath: string;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-resume-'));
    store = await openStore({ dataDir: path.join(directory, 'data') });
    encoder = await ClipImageEncoder.load({ modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' });
    slidePath = path.join(directory, 'two-stain.png');
    await writeTwoStainSlide(slidePath); // 8 × 3 tissue patches of 224 px
  });
  afterAll(async () => {
    await encoder?.dispose();
    await store?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('resumes an interrupted slide without re-encoding the batches it stored', async () => {
    const { slide } = await registerSlide(store, {
      filePath: slidePath,
      encoderId: encoder.modelId,
      inputSizePx: 224,
      targetMpp: 0.5,
      tileAtLevel0: true,
    });
    const firstRun = countingEncoder(encoder);
    const stop = new AbortController();
    await expect(
      ingestSlide({ store, imageEncoder: firstRun, logger: silentLogger }, slide, {
        minTissueFraction: 0.25,
        batchSize: 5,
        signal: stop.signal,
        onProgress: ({ patchCount }) => {
          if (patchCount >= 10) stop.abort(); // "killed" after two stored batches
        },
      }),
    ).rejects.toThrow(/resumes/);
    const storedBefore = await store.patches.countForSlide(slide.id);
    expect(storedBefore).toBe(10);
    expect((await store.slides.findById(slide.id))?.status).toBe('running');

    // A new process: the worker finds the unfinished slide and finishes it.
    const secondRun = countingEncoder(encoder);
    const worker = new IngestionWorker(
      { store, imageEncoder: secondRun, logger: silentLogger },
      { minTissueFraction: 0.25, batchSize: 5 },
    );
    await worker.start();
    await worker.idle();
    const finished = await store.slides.findById(slide.id);
    expect(finished).toMatchObject({ status: 'ready', patchCount: 24, tilesDone: 24, tilesTotal: 24 });
    expect(secondRun.embedded).toBe(24 - storedBefore);
    expect(await store.patches.countForSlide(slide.id)).toBe(24);
    expect(finished?.embedding).toHaveLength(512);
  });

  it('registers the same bytes once, and a file that is not a slide not at all', async () => {
    const again = await registerSlide(store, {
      filePath: slidePath,
      encoderId: encoder.modelId,
      inputSizePx: 224,
      targetMpp: 0.5,
      tileAtLevel0: true,
    });
    expect(again.created).toBe(false);
    const notASlide = path.join(directory, 'notes.svs');
    await writeFile(notASlide, 'Aperio? no: just text');
    await expect(
      registerSlide(store, {
        filePath: notASlide,
        encoderId: encoder.modelId,
        inputSizePx: 224,
        targetMpp: 0.5,
        tileAtLevel0: true,
      }),
    ).rejects.toMatchObject({ code: 'unsupported_format' });
    await expect(
      registerSlide(store, {
        filePath: directory,
        encoderId: encoder.modelId,
        inputSizePx: 224,
        targetMpp: 0.5,
        tileAtLevel0: true,
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/not_found|unsupported_format/) });
    expect(await store.slides.list()).toHaveLength(1);
  });

  it('marks a slide with no tissue as failed, with the reason, and moves on', async () => {
    const blankPath = path.join(directory, 'blank.png');
    const sharp = (await import('sharp')).default;
    await sharp({ create: { width: 448, height: 448, channels: 3, background: '#fafafa' } })
      .png()
      .toFile(blankPath);
    const { slide: blank } = await registerSlide(store, {
      filePath: blankPath,
      encoderId: encoder.modelId,
      inputSizePx: 224,
      targetMpp: 0.5,
      tileAtLevel0: true,
    });
    const worker = new IngestionWorker(
      { store, imageEncoder: encoder, logger: silentLogger },
      { minTissueFraction: 0.25, batchSize: 8 },
    );
    worker.enqueue(blank.id);
    await worker.idle();
    const failed = await store.slides.findById(blank.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.failureReason).toMatch(/No tissue found.*MIN_TISSUE_FRACTION/);
  });
});
