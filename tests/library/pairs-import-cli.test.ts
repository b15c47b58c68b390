import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../helpers/shared-data.ts';
import { writeCaptionFolder, writeQuiltCsv } from './library-fixtures.ts';

const run = promisify(execFile);

describe('pathlens pairs import, in-process (no server running)', () => {
  let directory: string;
  let flags: string[];
  const pathlens = (...args: string[]) =>
    run(process.execPath, [path.join(projectRoot, 'apps/cli/bin/pathlens.js'), ...args, ...flags], {
      cwd: directory,
      env: { ...process.env, DATABASE_URL: '' },
      timeout: 120_000,
    });

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-pairs-cli-'));
    // port 1: nothing answers there, so the CLI works in-process on its own data directory.
    flags = [
      '--data-dir',
      path.join(directory, 'data'),
      '--models-dir',
      inject('modelsDir'),
      '--image-text-encoder',
      'pathlens/tiny-clip',
      '--chat-model',
      'pathlens/tiny-chat',
      '--pull-models',
      'false',
      '--port',
      '1',
    ];
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  it('imports a CSV with a progress bar, a summary, the first rejected rows and a report file', async () => {
    await writeQuiltCsv(path.join(directory, 'quilt'), {
      httpBase: 'http://127.0.0.1:9',
      unreachableBase: 'http://127.0.0.1:9',
    });
    const { stdout, stderr } = await pathlens('pairs', 'import', 'quilt/quilt.csv', '--report', 'rejected.jsonl');
    expect(stdout).toMatch(/import [0-9a-f-]{36} queued: .*quilt\.csv via in-process/);
    // cli-progress draws on stderr.
    expect(stderr).toMatch(
      /importing \[=+\] 100% \| 11 rows \| 4 imported \| 1 duplicates \| 6 rejected \| [\d.]+ rows\/s/,
    );
    expect(stdout).toMatch(
      /finished: 4 imported \(0 text-only\), 1 duplicates, 6 rejected of 11 rows \(csv; [\d.]+ rows\/s\)/,
    );
    expect(stdout).toMatch(/PHI replaced: 1 names, 1 ids, 1 dates/);
    expect(stdout).toMatch(/row 6, line 7: image_not_found: image imgs\/missing.png not found/);
    expect(stdout).toMatch(/row 7, line 8: not_an_image: /);
    expect(stdout).toMatch(/rejected-rows report: .*pair-imports\/[0-9a-f-]{36}\/rejected\.jsonl/);
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({
      status: 'finished',
      format: 'csv',
      rows_read: 11,
      imported: 4,
      duplicates: 1,
      rejected: 6,
    });
    const report = (await readFile(path.join(directory, 'rejected.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { row: number; code: string });
    expect(report.map((row) => row.code)).toEqual([
      'image_download_failed',
      'image_not_found',
      'not_an_image',
      'no_caption',
      'malformed_row',
      'image_download_failed',
    ]);
  }, 180_000);

  it('imports a folder of captioned images, and exits 1 naming the problem when the input has no caption field', async () => {
    await writeCaptionFolder(path.join(directory, 'folder'));
    const folder = await pathlens('pairs', 'import', 'folder', '--source', 'teaching set');
    expect(folder.stdout).toMatch(/finished: 2 imported \(0 text-only\), 0 duplicates, 2 rejected of 4 rows \(folder;/);
    expect(folder.stdout).toMatch(/row 2, b\.png: malformed_row: no caption file b\.txt beside the image/);

    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(directory, 'labels.csv'), 'image,label\na.png,TUM\n');
    const failure = await pathlens('pairs', 'import', 'labels.csv').catch(
      (error: { code: number; stdout: string }) => error,
    );
    expect((failure as { code: number }).code).toBe(1);
    expect((failure as { stdout: string }).stdout).toMatch(
      /import failed: No caption field in the first row \(fields: image, label\)/,
    );
  }, 180_000);
});
