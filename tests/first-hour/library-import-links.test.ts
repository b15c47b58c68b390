import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClipImageEncoder, ClipTextEncoder } from '@pathlens/encoders';
import { createPhiScrubber, importPairs, phiCategories, type ImportPairsOptions } from '@pathlens/library';
import { openStore, type Store } from '@pathlens/store';

describe('issue 11.4: imports never lose data quietly', () => {
  let directory: string;
  let store: Store;
  let imageEncoder: ClipImageEncoder;
  let textEncoder: ClipTextEncoder;
  const run = (target: string, options: Partial<ImportPairsOptions> = {}) =>
    importPairs(
      { store, imageEncoder, textEncoder, phiScrubber: createPhiScrubber(phiCategories) },
      { target, allowedRoots: [directory], dataDir: path.join(directory, 'data'), batchSize: 4, ...options },
    );

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-import-links-'));
    const modelOptions = { modelsDir: inject('modelsDir'), modelId: 'pathlens/tiny-clip' };
    [store, imageEncoder, textEncoder] = await Promise.all([
      openStore({ dataDir: path.join(directory, 'data') }),
      ClipImageEncoder.load(modelOptions),
      ClipTextEncoder.load(modelOptions),
    ]);
  });
  afterAll(async () => {
    await Promise.all([imageEncoder?.dispose(), textEncoder?.dispose()]);
    await store?.close();
    await rm(directory, { recursive: true, force: true });
  });

  it('a folder of markdown reports fails, naming the shape it was read as, the shapes PathLens reads, and what to do', async () => {
    const reports = path.join(directory, 'reports');
    await mkdir(reports, { recursive: true });
    await writeFile(
      path.join(reports, 'case-1.md'),
      '# Surgical pathology report\n\nDiagnosis: tubular adenoma, low-grade dysplasia.\n',
    );
    await writeFile(path.join(reports, 'case-2.md'), '# Surgical pathology report\n\nDiagnosis: hyperplastic polyp.\n');
    const failure = run(reports);
    await expect(failure).rejects.toMatchObject({ code: 'invalid_request' });
    const message = ((await failure.catch((error: Error) => error)) as Error).message;
    expect(message).toContain('Read 0 rows from reports as folder (images with same-name .txt captions)');
    expect(message).toContain('2 .md file(s)');
    for (const shape of ['csv', 'tsv', 'jsonl', 'json', 'id-caption', 'folder']) expect(message).toContain(shape);
    expect(message).toMatch(/reports without images are not library pairs/);
  });

  it('a CSV with a header and no rows fails too', async () => {
    const empty = path.join(directory, 'empty.csv');
    await writeFile(empty, 'caption,slide_id\n');
    await expect(run(empty)).rejects.toThrow(/Read 0 rows from empty\.csv as csv/);
  });

  it('one caption shared by many slides is stored once, and every row keeps its slide id and subtype', async () => {
    const csv = path.join(directory, 'slide-captions.csv');
    const shared = 'Invasive ductal carcinoma with desmoplastic stroma.';
    await writeFile(
      csv,
      [
        'caption,slide_id,subtype',
        `${shared},TCGA-A1,IDC`,
        `${shared},TCGA-A2,IDC`,
        `${shared},TCGA-A3,IDC-mixed`,
        'Lobular carcinoma in single files.,TCGA-B1,ILC',
      ].join('\n'),
    );
    const { counts } = await run(csv, { textOnly: true });
    expect(counts).toMatchObject({ rowsRead: 4, imported: 2, duplicates: 2, rejected: 0 });
    const [pair] = (
      await store.pairs.nearest(Array.from((await textEncoder.embedTexts([shared]))[0]!), { k: 1, by: 'caption' })
    ).filter((entry) => entry.caption === shared);
    const rows = await store.pairRows.forPair(pair!.id);
    expect(rows.map((row) => row.metadata).sort((a, b) => a.slide_id!.localeCompare(b.slide_id!))).toEqual([
      { slide_id: 'TCGA-A1', subtype: 'IDC' },
      { slide_id: 'TCGA-A2', subtype: 'IDC' },
      { slide_id: 'TCGA-A3', subtype: 'IDC-mixed' },
    ]);
    // Importing the same file again adds no row twice.
    await run(csv, { textOnly: true });
    expect(await store.pairRows.forPair(pair!.id)).toHaveLength(3);
  });
});
