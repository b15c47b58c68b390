import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '@pathlens/core';
import { ClipImageEncoder, ClipTextEncoder } from '@pathlens/encoders';
import {
  createPhiScrubber,
  PairImportWorker,
  phiCategories,
  type PairImportJob,
  type PairImportRequest,
} from '@pathlens/library';
import { openStore, type Store } from '@pathlens/store';
import { sharedDataFile } from '../helpers/shared-data.ts';

const peirCaptions = sharedDataFile('text/pathvqa_peir_caption_crawled_cc3.txt');
const pathVqaPairs = sharedDataFile('text/pathvqa_QA_pairs_vb.json');
/** Rows taken from each real file: enough to exercise the path, few enough to stay fast (the full files are measured in
 * benchmarks/).
 */
const realRows = 300;

describe('the pair import worker: background jobs kept in DATA_DIR', () => {
  let directory: string;
  let dataDir: string;
  let store: Store;
  let imageEncoder: ClipImageEncoder;
  let textEncoder: ClipTextEncoder;
  const phiScrubber = createPhiScrubber(phiCategories);
  const newWorker = () =>
    new PairImportWorker(
      { store, imageEncoder, textEncoder, phiScrubber, logger: silentLogger },
      { dataDir, batchSize: 32 },
    );
  const request = (target: string, overrides: Partial<PairImportRequest> = {}): PairImportRequest => ({
    target,
    format: null,
    imagesDir: null,
    textOnly: false,
    source: null,
    allowedRoots: [directory],
    uploaded: false,
    displayName: path.basename(target),
    ...overrides,
  });
  const runJob = async (target: string, overrides: Partial<PairImportRequest> = {}): Promise<PairImportJob> => {
    const worker = newWorker();
    const job = await worker.submit(async () => request(target, overrides));
    await worker.idle();
    return (await worker.get(job.id))!;
  };
  const captionHit = async (caption: string) =>
    (await store.pairs.nearest(Array.from((await textEncoder.embedTexts([caption]))[0]!), { k: 1, by: 'caption' }))[0];

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-import-jobs-'));
    dataDir = path.join(directory, 'data');
    await mkdir(dataDir);
    const modelOptions = { modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' };
    [store, imageEncoder, textEncoder] = await Promise.all([
      openStore({ dataDir }),
      ClipImageEncoder.load(modelOptions),
      ClipTextEncoder.load(modelOptions),
    ]);
  });
  afterAll(async () => {
    await Promise.all([imageEncoder?.dispose(), textEncoder?.dispose()]);
    await store?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('runs a job to the end and keeps it, with its rejected rows, in DATA_DIR', async () => {
    const captions = path.join(directory, 'captions.txt');
    await writeFile(
      captions,
      '1\tA first caption.\nbroken line without a tab\n2\tA second caption seen on 2020-01-31.\n',
    );
    const job = await runJob(captions);
    expect(job).toMatchObject({
      status: 'finished',
      plan: { format: 'id-caption' },
      checkpointRow: 3,
      rejectedByCode: { malformed_row: 1 },
      failureReason: null,
    });
    expect(job.counts).toEqual({ rowsRead: 3, imported: 2, textOnly: 2, duplicates: 0, rejected: 1 });
    expect(job.phiReplacements.dates).toBe(1);
    const kept = JSON.parse(
      await readFile(path.join(dataDir, 'pair-imports', job.id, 'job.json'), 'utf8'),
    ) as PairImportJob;
    expect(kept.counts).toEqual(job.counts);
    const report = await readFile(path.join(dataDir, 'pair-imports', job.id, 'rejected.jsonl'), 'utf8');
    expect(
      report
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
    ).toEqual([{ row: 2, line: 2, code: 'malformed_row', reason: 'expected `id<TAB>caption`; this line has no tab' }]);
    expect((await captionHit('A second caption seen on [DATE].'))?.caption).toBe('A second caption seen on [DATE].');
  });

  it('marks a job failed, with its reason, when the input as a whole cannot be imported', async () => {
    const table = path.join(directory, 'labels.csv');
    await writeFile(table, 'image,label\na.png,TUM\n');
    const job = await runJob(table);
    expect(job.status).toBe('failed');
    expect(job.failureReason).toMatch(/No caption field in the first row \(fields: image, label\)/);
  });

  it('resumes a job an earlier process left running, from its checkpoint, dropping report lines past it', async () => {
    const captions = path.join(directory, 'resume.txt');
    await writeFile(
      captions,
      Array.from({ length: 8 }, (_, index) => (index === 1 ? 'no tab' : `${index}\tResumed caption ${index}.`)).join(
        '\n',
      ),
    );
    const id = '00000000-0000-4000-8000-000000000001';
    const jobDirectory = path.join(dataDir, 'pair-imports', id);
    await mkdir(jobDirectory, { recursive: true });
    const interrupted: PairImportJob = {
      id,
      status: 'running',
      request: request(captions),
      plan: null,
      counts: { rowsRead: 5, imported: 4, textOnly: 4, duplicates: 0, rejected: 1 },
      rejectedByCode: { malformed_row: 1 },
      phiReplacements: { names: 0, ids: 0, dates: 0, phones: 0, emails: 0 },
      checkpointRow: 5,
      position: null,
      runSeconds: 2,
      failureReason: null,
      createdAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
      finishedAt: null,
    };
    await writeFile(path.join(jobDirectory, 'job.json'), JSON.stringify(interrupted));
    // Row 2's line was stored with its batch; row 7's was written by a batch that never got stored.
    await writeFile(
      path.join(jobDirectory, 'rejected.jsonl'),
      '{"row":2,"line":2,"code":"malformed_row","reason":"no tab"}\n{"row":7,"line":7,"code":"malformed_row","reason":"stale"}\n',
    );
    const worker = newWorker();
    await worker.start();
    await worker.idle();
    const job = (await worker.get(id))!;
    expect(job.status).toBe('finished');
    expect(job.counts).toEqual({ rowsRead: 8, imported: 7, textOnly: 7, duplicates: 0, rejected: 1 });
    expect(job.runSeconds).toBeGreaterThan(2);
    expect(await readFile(path.join(jobDirectory, 'rejected.jsonl'), 'utf8')).toBe(
      '{"row":2,"line":2,"code":"malformed_row","reason":"no tab"}\n',
    );
    // Only rows 6–8 were imported by this run: rows 1–5 (captions 0, 2, 3, 4) were the earlier run's and are not here.
    expect((await captionHit('Resumed caption 7.'))?.caption).toBe('Resumed caption 7.');
    expect((await captionHit('Resumed caption 0.'))?.caption).not.toBe('Resumed caption 0.');
  });

  describe.skipIf(!peirCaptions)('the real PEIR caption file (PathVQA), as text-only entries', () => {
    it(`imports its first ${realRows} rows, one entry per distinct caption, searchable caption → caption`, async () => {
      const slice = path.join(directory, 'peir-slice.txt');
      const lines = await firstLines(peirCaptions!, realRows);
      await writeFile(slice, lines.join('\n'));
      const distinct = new Set(
        lines.map(
          (line) =>
            phiScrubber.scrub(
              line
                .slice(line.indexOf('\t') + 1)
                .replace(/\s+/g, ' ')
                .trim(),
            ).text,
        ),
      );
      const job = await runJob(slice, { source: 'PEIR' });
      expect(job.status).toBe('finished');
      expect(job.counts).toEqual({
        rowsRead: realRows,
        imported: distinct.size,
        textOnly: distinct.size,
        duplicates: realRows - distinct.size,
        rejected: 0,
      });
      // Real pathology captions hold no PHI, and the scrubber leaves them alone.
      expect(job.phiReplacements).toEqual({ names: 0, ids: 0, dates: 0, phones: 0, emails: 0 });
      const example = lines[1]!.split('\t')[1]!;
      const hit = await captionHit(example);
      expect(hit).toMatchObject({ caption: example, imageRef: null, source: 'PEIR', metadata: { id: '1' } });
      expect(hit!.score).toBeCloseTo(1, 4);
    });
  });

  describe.skipIf(!pathVqaPairs)('the real PathVQA question/answer file, as text-only entries', () => {
    it(`imports its first ${realRows} rows as "Q: … A: …" captions`, async () => {
      const rows = (
        JSON.parse(await readFile(pathVqaPairs!, 'utf8')) as { Image_ID: string; Questions: string; Answers: string }[]
      ).slice(0, realRows);
      const slice = path.join(directory, 'pathvqa-slice.json');
      await writeFile(slice, JSON.stringify(rows));
      const captions = rows.map(
        (row) => phiScrubber.scrub(`Q: ${row.Questions} A: ${row.Answers}`.replace(/\s+/g, ' ').trim()).text,
      );
      const job = await runJob(slice, { source: 'PathVQA' });
      expect(job.counts).toEqual({
        rowsRead: realRows,
        imported: new Set(captions).size,
        textOnly: new Set(captions).size,
        duplicates: realRows - new Set(captions).size,
        rejected: 0,
      });
      expect(job.phiReplacements).toEqual({ names: 0, ids: 0, dates: 0, phones: 0, emails: 0 });
      const hit = await captionHit(captions[0]!);
      expect(hit).toMatchObject({
        caption: captions[0],
        imageRef: null,
        source: 'PathVQA',
        metadata: { Image_ID: rows[0]!.Image_ID, answer: rows[0]!.Answers },
      });
    });
  });
});

async function firstLines(filePath: string, count: number): Promise<string[]> {
  const lines: string[] = [];
  const reader = createInterface({ input: createReadStream(filePath, 'utf8'), crlfDelay: Infinity });
  for await (const line of reader) {
    if (line.trim() !== '') lines.push(line);
    if (lines.length >= count) break;
  }
  reader.close();
  return lines;
}
