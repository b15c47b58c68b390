import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../helpers/shared-data.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { fixtureImages, writeArchSet, writeCaptionFolder, writeQuiltCsv } from '../library/library-fixtures.ts';

type ImportView = Record<string, any>;
const run = promisify(execFile);

async function waitForImport(baseUrl: string, id: string, timeoutMs = 60_000): Promise<ImportView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = (await (await fetch(`${baseUrl}/v1/pairs/imports/${id}`)).json()) as ImportView;
    if (job.status === 'finished' || job.status === 'failed') return job;
    if (Date.now() > deadline) throw new Error(`import ${id} still ${job.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('library import over HTTP', () => {
  let server: Awaited<ReturnType<typeof startTestServer>>;
  let baseUrl: string;
  let slideDir: string;
  let outsideDir: string;

  beforeAll(async () => {
    slideDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-pairs-slides-'));
    outsideDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-pairs-outside-'));
    server = await startTestServer({ slideDirs: slideDir });
    baseUrl = server.server.url;
  });
  afterAll(async () => {
    await server?.dispose();
    await rm(slideDir, { recursive: true, force: true });
    await rm(outsideDir, { recursive: true, force: true });
  });

  it('imports a CSV by path inside SLIDE_DIRS as a background job, with progress, counts and the rejected-rows report', async () => {
    const { csv } = await writeQuiltCsv(path.join(slideDir, 'quilt'), {
      httpBase: 'http://127.0.0.1:9',
      unreachableBase: 'http://127.0.0.1:9',
    });
    const response = await fetch(`${baseUrl}/v1/pairs/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: csv }),
    });
    expect(response.status).toBe(202);
    const queued = (await response.json()) as ImportView;
    expect(queued).toMatchObject({ object: 'pair_import', status: 'queued', input: csv });
    expect(response.headers.get('location')).toBe(`/v1/pairs/imports/${queued.id}`);

    const job = await waitForImport(baseUrl, queued.id);
    expect(job).toMatchObject({
      status: 'finished',
      format: 'csv',
      source: 'quilt',
      failure_reason: null,
      progress: { unit: 'bytes', fraction: 1 },
    });
    // Both http rows fail (nothing listens on port 9): 4 imported, 1 duplicate, 6 rejected.
    expect(job.counts).toEqual({ rows_read: 11, imported: 4, text_only: 0, duplicates: 1, rejected: 6 });
    expect(job.rejected_by_code).toEqual({
      image_not_found: 1,
      not_an_image: 1,
      no_caption: 1,
      malformed_row: 1,
      image_download_failed: 2,
    });
    expect(job.phi_replacements).toMatchObject({ names: 1, ids: 1, dates: 1 });
    expect(job.rate_rows_per_second).toBeGreaterThan(0);
    expect(job.rejected_sample.map((row: ImportView) => row.row)).toEqual([4, 6, 7, 8, 9, 10]);

    const report = await fetch(`${baseUrl}${job.rejected_report}`);
    expect(report.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (await report.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ImportView);
    expect(lines.map((line) => [line.row, line.code])).toEqual([
      [4, 'image_download_failed'],
      [6, 'image_not_found'],
      [7, 'not_an_image'],
      [8, 'no_caption'],
      [9, 'malformed_row'],
      [10, 'image_download_failed'],
    ]);

    const search = (await (
      await fetch(`${baseUrl}/v1/search?q=${encodeURIComponent('Red cells')}&k=20&kind=pair`)
    ).json()) as { data: ImportView[] };
    expect(search.data.map((hit) => hit.caption)).toContain('Red cells, seen by Dr. [NAME] on [DATE], MRN [ID]');

    const list = (await (await fetch(`${baseUrl}/v1/pairs/imports`)).json()) as { data: ImportView[] };
    expect(list.data.map((entry) => entry.id)).toContain(queued.id);
  });

  it('imports an upload: ARCH captions.json with its images, and a folder sent as images alone', async () => {
    const archDirectory = path.join(outsideDir, 'arch');
    const captions = await writeArchSet(archDirectory);
    const form = new FormData();
    form.append('file', new Blob([await readFile(captions)]), 'captions.json');
    for (const name of ['u-0.png', 'u-1.png'])
      form.append('images', new Blob([await readFile(path.join(archDirectory, 'images', name))]), `images/${name}`);
    form.append('source', 'ARCH books');
    const response = await fetch(`${baseUrl}/v1/pairs/import`, { method: 'POST', body: form });
    expect(response.status).toBe(202);
    const job = await waitForImport(baseUrl, ((await response.json()) as ImportView).id);
    expect(job).toMatchObject({
      status: 'finished',
      format: 'json',
      input: 'captions.json',
      source: 'ARCH books',
      counts: { rows_read: 3, imported: 2, rejected: 1 },
      rejected_by_code: { image_not_found: 1 },
    });
    expect(job.rejected_sample[0]).toMatchObject({ row: 3, key: '2' });

    const folder = await writeCaptionFolder(path.join(outsideDir, 'folder'));
    const folderForm = new FormData();
    for (const name of ['a.png', 'a.txt', 'b.png', 'd.txt', 'sub/c.png', 'sub/c.txt'])
      folderForm.append('images', new Blob([await readFile(path.join(folder, name))]), name);
    const folderJob = await waitForImport(
      baseUrl,
      ((await (await fetch(`${baseUrl}/v1/pairs/import`, { method: 'POST', body: folderForm })).json()) as ImportView)
        .id,
    );
    expect(folderJob).toMatchObject({
      status: 'finished',
      format: 'folder',
      counts: { rows_read: 4, imported: 2, rejected: 2 },
    });
    expect(folderJob.rejected_sample.map((row: ImportView) => row.file)).toEqual(['b.png', 'd.txt']);
    // Uploaded files are removed once their import has ended; the job and its report stay.
    expect(existsSync(path.join(server.dataDir, 'pair-imports', folderJob.id, 'upload'))).toBe(false);
    expect(existsSync(path.join(server.dataDir, 'pair-imports', folderJob.id, 'job.json'))).toBe(true);
  });

  it('is what `pathlens pairs import --server` uses: a file outside SLIDE_DIRS is uploaded, then followed to the end', async () => {
    const folder = await writeCaptionFolder(path.join(outsideDir, 'cli-folder'));
    const { writeFile } = await import('node:fs/promises');
    // New pictures (the folder fixture's were imported above): same captions, other bytes.
    const { purple, pink } = await fixtureImages(70);
    await writeFile(path.join(folder, 'a.png'), purple);
    await writeFile(path.join(folder, 'sub/c.png'), pink);
    const { stdout } = await run(
      process.execPath,
      [path.join(projectRoot, 'apps/cli/bin/pathlens.js'), 'pairs', 'import', folder, '--server', baseUrl],
      { timeout: 60_000 },
    );
    expect(stdout).toMatch(
      new RegExp(`import [0-9a-f-]{36} queued: 6 uploaded files via ${baseUrl.replace(/[.]/g, '\\.')} \\(uploaded\\)`),
    );
    expect(stdout).toMatch(/finished: 2 imported \(0 text-only\), 0 duplicates, 2 rejected of 4 rows \(folder;/);
    expect(stdout).toMatch(
      new RegExp(`rejected-rows report: ${baseUrl.replace(/[.]/g, '\\.')}/v1/pairs/imports/[0-9a-f-]{36}/rejected`),
    );
  }, 180_000);

  it('refuses bad import requests with a code and a message that says what to do', async () => {
    const post = (body: string | FormData, headers: Record<string, string> = {}) =>
      fetch(`${baseUrl}/v1/pairs/import`, { method: 'POST', body, headers });
    const outside = await post(JSON.stringify({ path: path.join(outsideDir, 'arch/captions.json') }), {
      'content-type': 'application/json',
    });
    expect(outside.status).toBe(403);
    expect(((await outside.json()) as ImportView).error).toMatchObject({
      code: 'path_not_allowed',
      message: expect.stringMatching(/not a file inside SLIDE_DIRS/),
    });

    const badFormat = await post(JSON.stringify({ path: path.join(slideDir, 'quilt/quilt.csv'), format: 'xlsx' }), {
      'content-type': 'application/json',
    });
    expect(badFormat.status).toBe(400);
    expect(((await badFormat.json()) as ImportView).error.message).toMatch(/format/);

    const nothing = new FormData();
    nothing.append('source', 'x');
    const empty = await post(nothing);
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as ImportView).error.message).toMatch(/multipart field named "file"/);

    const climbing = new FormData();
    climbing.append('file', new Blob(['caption\nx\n']), 'rows.csv');
    climbing.append('images', new Blob(['x']), '../../escape.png');
    const escape = await post(climbing);
    expect(escape.status).toBe(400);
    expect(((await escape.json()) as ImportView).error.message).toMatch(/not usable/);

    const unknown = await fetch(`${baseUrl}/v1/pairs/imports/00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ImportView).error.code).toBe('not_found');
  });

  it('adds one pair through the thin POST /v1/pairs route, scrubbing PHI first', async () => {
    const { purple } = await fixtureImages(90);
    const form = new FormData();
    form.append('image', new Blob([purple]), 'patch.png');
    form.append('caption', 'Lymphocytes. Patient: John Smith, MRN 12345678');
    const response = await fetch(`${baseUrl}/v1/pairs`, { method: 'POST', body: form });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      caption: 'Lymphocytes. Patient: [NAME], MRN [ID]',
      duplicate: false,
      phi_replacements: { names: 1, ids: 1 },
    });
    const again = await fetch(`${baseUrl}/v1/pairs`, { method: 'POST', body: form });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
  });
});
