import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { projectRoot } from '../helpers/shared-data.ts';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';

const run = promisify(execFile);

describe('the pathlens command, in-process (no server running)', () => {
  let directory: string;
  let flags: string[];
  const pathlens = (...args: string[]) =>
    run(process.execPath, [path.join(projectRoot, 'apps/cli/bin/pathlens.js'), ...args, ...flags], {
      cwd: directory,
      env: { ...process.env, DATABASE_URL: '' },
      timeout: 300_000,
    });

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-cli-'));
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
    await writeTwoStainSlide(path.join(directory, 'two-stain.png'));
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  it('ingests, searches and chats', async () => {
    // A PNG has no MPP: refused with the way to give one, then ingested with it.
    const refused = await pathlens('ingest', 'two-stain.png').catch((error: { stderr: string; code: number }) => error);
    expect((refused as { code: number }).code).toBe(1);
    expect((refused as { stderr: string }).stderr).toMatch(/--mpp/);
    const ingest = await pathlens('ingest', 'two-stain.png', '--mpp', '0.5', '--organ', 'colon');
    expect(ingest.stdout).toMatch(/queued: two-stain.png .* via in-process/);
    const result = JSON.parse(ingest.stdout.trim().split('\n').at(-1)!) as {
      id: string;
      status: string;
      patch_count: number;
    };
    expect(result).toMatchObject({ status: 'ready', patch_count: 24, mpp: 0.5 });

    const search = await pathlens('search', 'purple nuclei', '-k', '3', '--json');
    const hits = (JSON.parse(search.stdout) as { data: { kind: string; x_level0: number }[] }).data;
    expect(hits).toHaveLength(3);
    expect(hits.every((hit) => hit.kind === 'patch' && hit.x_level0 < 896)).toBe(true);

    const chat = await pathlens('chat', 'Where are the nuclei?', '--slide', result.id, '--max-tokens', '30');
    expect(chat.stdout).toMatch(/DEMO MODELS/);
    expect(chat.stdout).toMatch(/\[1\] patch region at \(\d+, \d+\)/);
    expect(chat.stdout).toMatch(/conversation: [0-9a-f-]{36}/);
  }, 420_000);

  it('purges a patient and deletes a slide, in-process, and says what went', async () => {
    await writeTwoStainSlide(path.join(directory, 'patient.png'), { widthPx: 672, heightPx: 448 });
    const ingest = await pathlens('ingest', 'patient.png', '--mpp', '0.5', '--meta', 'patient_id=P-7');
    const slide = JSON.parse(ingest.stdout.trim().split('\n').at(-1)!) as { id: string; patch_count: number };
    const purge = await pathlens('purge', '--patient', 'P-7');
    expect(purge.stdout).toMatch(
      new RegExp(`purged patient \\(sha256 [0-9a-f]{12}…\\): 1 slides, ${slide.patch_count} patches`),
    );
    expect(purge.stdout).not.toContain('P-7');
    const again = await pathlens('delete', 'slide', slide.id).catch((error: { stderr: string }) => error);
    expect((again as { stderr: string }).stderr).toMatch(/No slide with id .* \(slide_not_found, HTTP 404\)/);
  }, 420_000);

  it('lists the models and fails clearly on a bad setting', async () => {
    const list = await pathlens('models', 'list');
    expect(list.stdout).toMatch(/pathlens\/tiny-clip\s+image-text-encoder\s+present/);
    const failure = await run(
      process.execPath,
      [path.join(projectRoot, 'apps/cli/bin/pathlens.js'), 'models', 'list', '--port', 'eighty'],
      { cwd: directory },
    ).catch((error: { stderr: string; code: number }) => error);
    expect((failure as { code: number }).code).toBe(1);
    expect((failure as { stderr: string }).stderr).toContain('PORT (--port)');
  });
});
