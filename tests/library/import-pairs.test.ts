import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClipImageEncoder, ClipTextEncoder, decodeImage } from '@pathlens/encoders';
import {
  createPhiScrubber,
  importPairs,
  phiCategories,
  type ImportBatchResult,
  type ImportPairsOptions,
  type RejectedRow,
} from '@pathlens/library';
import { openStore, type Store } from '@pathlens/store';
import { createGuardedFetch } from '@pathlens/core';
import { fixtureImages, writeArchSet, writeCaptionFolder, writePathVqaSet, writeQuiltCsv } from './library-fixtures.ts';

describe('importing image–caption pairs (embedded store, tiny CLIP)', () => {
  let directory: string;
  let store: Store;
  let imageEncoder: ClipImageEncoder;
  let textEncoder: ClipTextEncoder;
  let httpServer: Server;
  let httpBase: string;
  let unreachableBase: string;
  // The test's own image server is on loopback, which the real policy refuses: this one allows it.
  const fetchImage = createGuardedFetch({
    allowedHosts: ['127.0.0.1'],
    isAddressAllowed: (address) => address === '127.0.0.1',
    maxBytes: 1 << 20,
    timeoutMs: 10_000,
  });
  const dependencies = () => ({
    store,
    imageEncoder,
    textEncoder,
    phiScrubber: createPhiScrubber(phiCategories),
    fetch: fetchImage,
  });
  const run = async (target: string, options: Partial<ImportPairsOptions> = {}) => {
    const rejected: RejectedRow[] = [];
    const batches: ImportBatchResult[] = [];
    const result = await importPairs(dependencies(), {
      target,
      allowedRoots: [directory],
      dataDir: path.join(directory, 'data'),
      batchSize: 4,
      onBatch: (batch) => {
        batches.push(batch);
        rejected.push(...batch.rejected);
      },
      ...options,
    });
    return { ...result, rejected, batches };
  };

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-import-'));
    const modelOptions = { modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' };
    [store, imageEncoder, textEncoder] = await Promise.all([
      openStore({ dataDir: path.join(directory, 'data') }),
      ClipImageEncoder.load(modelOptions),
      ClipTextEncoder.load(modelOptions),
    ]);
    const { pink2 } = await fixtureImages();
    httpServer = createServer((request, response) => {
      if (request.url === '/pink2.png') response.writeHead(200, { 'content-type': 'image/png' }).end(pink2);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    httpBase = `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}`;
    // A port that was just free: nothing listens there, so connecting is refused.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    unreachableBase = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => httpServer?.close(resolve));
    await Promise.all([imageEncoder?.dispose(), textEncoder?.dispose()]);
    await store?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('imports an OpenPath/Quilt-style CSV: every image reference kind, metadata, PHI scrubbed, each bad row reported with its reason', async () => {
    const { csv } = await writeQuiltCsv(path.join(directory, 'quilt'), { httpBase, unreachableBase });
    const result = await run(csv);
    expect(result.plan.format).toBe('csv');
    expect(result.counts).toEqual({ rowsRead: 11, imported: 5, textOnly: 0, duplicates: 1, rejected: 5 });
    expect(result.rejected.map(({ row, line, code }) => ({ row, line, code }))).toEqual([
      { row: 6, line: 7, code: 'image_not_found' },
      { row: 7, line: 8, code: 'not_an_image' },
      { row: 8, line: 9, code: 'no_caption' },
      { row: 9, line: 10, code: 'malformed_row' },
      { row: 10, line: 11, code: 'image_download_failed' },
    ]);
    // Why the connection failed is not told (imports are no port scanner).
    expect(result.rejected[4]!.reason).toMatch(
      /^could not download http:\/\/127.0.0.1:\d+\/unreachable.png; without network access/,
    );
    // Batches of 4 readable rows, committed in row order.
    expect(result.batches.map((batch) => batch.lastRow)).toEqual([4, 8, 11]);
    expect(result.phiCounts).toEqual({ names: 1, ids: 1, dates: 1, phones: 0, emails: 0 });

    const purpleText = (await textEncoder.embedTexts(['Dense purple nuclei of a lymphoid infiltrate']))[0]!;
    const [nearest] = await store.pairs.nearest(Array.from(purpleText), { k: 1, by: 'caption' });
    expect(nearest).toMatchObject({
      caption: 'Dense purple nuclei of a lymphoid infiltrate',
      source: 'quilt',
      metadata: {
        image_path: 'imgs/purple.png',
        organ: 'lymph node',
        stain: 'H&E',
        magnification: '20x',
        licence: 'CC-BY-4.0',
      },
    });
    expect(nearest!.imageRef).toMatch(new RegExp(`data/pairs/${nearest!.contentSha256}\\.png$`));
    expect(await readFile(nearest!.imageRef!)).toEqual(await readFile(path.join(directory, 'quilt/imgs/purple.png')));

    const [redPair] = await store.pairs
      .nearest(Array.from((await textEncoder.embedTexts(['Red cells']))[0]!), { k: 5, by: 'caption' })
      .then((pairs) => pairs.filter((pair) => pair.caption.startsWith('Red')));
    expect(redPair!.caption).toBe('Red cells, seen by Dr. [NAME] on [DATE], MRN [ID]');
    // The data-URL row had no source column value: it gets the file's name.
    const dataUrlPair = (
      await store.pairs.nearest(Array.from((await textEncoder.embedTexts(['Purple nuclear crowding']))[0]!), {
        k: 1,
        by: 'caption',
      })
    )[0]!;
    expect(dataUrlPair).toMatchObject({
      caption: 'Purple nuclear crowding',
      source: 'quilt',
      metadata: { organ: 'colon', licence: 'CC0' },
    });

    // Image embeddings are real: a purple picture finds the purple pairs first.
    const purplePixels = await decodeImage((await fixtureImages()).purple2);
    const imageHits = await store.pairs.nearest(Array.from((await imageEncoder.embedImages([purplePixels]))[0]!), {
      k: 2,
      by: 'image',
    });
    expect(imageHits.map((hit) => hit.caption).sort()).toEqual([
      'Dense purple nuclei of a lymphoid infiltrate',
      'Purple nuclear crowding',
    ]);

    // Importing the same file again adds nothing: every good row is now a duplicate.
    const again = await run(csv);
    expect(again.counts).toEqual({ rowsRead: 11, imported: 0, textOnly: 0, duplicates: 6, rejected: 5 });
  });

  it('imports ARCH-style captions.json with images found by uuid in images/ beside it', async () => {
    const captions = await writeArchSet(path.join(directory, 'arch'));
    const result = await run(captions, { source: 'ARCH books' });
    expect(result.plan).toMatchObject({
      format: 'json',
      imagesDir: path.join(directory, 'arch/images'),
      defaultSource: 'ARCH books',
    });
    expect(result.counts).toEqual({ rowsRead: 3, imported: 2, textOnly: 0, duplicates: 0, rejected: 1 });
    expect(result.rejected[0]).toMatchObject({ row: 3, key: '2', code: 'image_not_found' });
    expect(result.rejected[0]!.reason).toMatch(/no image named u-2 or 2/);
    const [pair] = await store.pairs.nearest(Array.from((await textEncoder.embedTexts(['Pink keratin pearls.']))[0]!), {
      k: 1,
      by: 'caption',
    });
    expect(pair).toMatchObject({
      caption: 'Pink keratin pearls.',
      source: 'ARCH books',
      metadata: { id: '1', uuid: 'u-1', figure_id: '1', letter: 'B' },
    });
    expect(pair!.imageRef).not.toBeNull();
  });

  it('imports PathVQA question/answer rows: with images by Image_ID, or text-only without them', async () => {
    const withImages = await run(await writePathVqaSet(path.join(directory, 'pathvqa'), { withImages: true }));
    // Fig.1 has two questions but one image: the second row's image is a duplicate (dedupe is by image bytes).
    expect(withImages.counts).toEqual({ rowsRead: 4, imported: 2, textOnly: 0, duplicates: 2, rejected: 0 });

    const textOnly = await run(await writePathVqaSet(path.join(directory, 'pathvqa-text'), { withImages: false }));
    expect(textOnly.plan.imagesDir).toBeNull();
    // Text-only entries dedupe by caption: rows 3 and 4 are the same Q/A.
    expect(textOnly.counts).toEqual({ rowsRead: 4, imported: 3, textOnly: 3, duplicates: 1, rejected: 0 });
    const [pair] = await store.pairs.nearest(
      Array.from((await textEncoder.embedTexts(['Q: Are the nuclei crowded? A: yes']))[0]!),
      { k: 1, by: 'caption' },
    );
    expect(pair).toMatchObject({
      caption: 'Q: Are the nuclei crowded? A: yes',
      imageRef: null,
      source: 'qa',
      metadata: { Image_ID: 'Fig.1', question: 'Are the nuclei crowded?', answer: 'yes' },
    });
    // Text-only entries never show up as image hits.
    const imageHits = await store.pairs.nearest(Array.from((await textEncoder.embedTexts(['purple']))[0]!), {
      k: 50,
      by: 'image',
    });
    expect(imageHits.every((hit) => hit.imageRef !== null)).toBe(true);
  });

  it('imports a folder of images with same-name .txt captions, reporting the unpaired files', async () => {
    const result = await run(await writeCaptionFolder(path.join(directory, 'folder')), { batchSize: 32 });
    expect(result.plan).toMatchObject({ format: 'folder', defaultSource: 'folder' });
    expect(result.counts).toEqual({ rowsRead: 4, imported: 2, textOnly: 0, duplicates: 0, rejected: 2 });
    expect(result.rejected.map(({ file, code }) => [file, code])).toEqual([
      ['b.png', 'malformed_row'],
      ['d.txt', 'malformed_row'],
    ]);
  });

  it('refuses images outside the allowed folders, and a file with no caption column as a whole', async () => {
    const { csv } = await writeQuiltCsv(path.join(directory, 'elsewhere'), { httpBase, unreachableBase });
    const result = await run(csv, { allowedRoots: [path.join(directory, 'somewhere-else')] });
    expect(result.rejected.filter((row) => row.code === 'image_not_allowed').map((row) => row.row)).toEqual([
      1, 2, 5, 7, 11,
    ]);
    expect(result.rejected[0]!.reason).toMatch(/outside the folders this import may read/);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(directory, 'no-caption.csv'), 'image,label\na.png,TUM\n');
    await expect(run(path.join(directory, 'no-caption.csv'))).rejects.toThrow(
      /No caption field in the first row \(fields: image, label\)/,
    );
  });

  it('resumes after a checkpoint without importing earlier rows again', async () => {
    const captions = path.join(directory, 'resume.txt');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      captions,
      Array.from({ length: 10 }, (_, index) => `${index}\tResume caption number ${index}.`).join('\n'),
    );
    const result = await run(captions, { resumeAfterRow: 6, textOnly: true });
    expect(result.plan.format).toBe('id-caption');
    expect(result.counts).toEqual({ rowsRead: 4, imported: 4, textOnly: 4, duplicates: 0, rejected: 0 });
    const hits = await store.pairs.nearest(
      Array.from((await textEncoder.embedTexts(['Resume caption number 1.']))[0]!),
      { k: 20, by: 'caption' },
    );
    expect(
      hits
        .filter((hit) => hit.caption.startsWith('Resume'))
        .map((hit) => hit.caption)
        .sort(),
    ).toEqual([
      'Resume caption number 6.',
      'Resume caption number 7.',
      'Resume caption number 8.',
      'Resume caption number 9.',
    ]);
  });
});
