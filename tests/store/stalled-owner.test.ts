import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { openAsBlob } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStore } from '@pathlens/store';
import { projectRoot } from '../helpers/shared-data.ts';
import { writeTwoStainSlide } from '../helpers/stain-fixtures.ts';
import { startTestServer, waitForSlide } from '../helpers/test-server.ts';

/** Block this thread (and so the owner's event loop) without spinning a CPU core. */
function stallEventLoop(milliseconds: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, milliseconds);
}

describe('a stalled owner keeps the embedded database', () => {
  let test: Awaited<ReturnType<typeof startTestServer>>;
  let slidePath: string;
  let secondSlidePath: string;
  const commandLine = (args: string[]) => [
    path.join(projectRoot, 'apps/cli/bin/pathlens.js'),
    ...args,
    ...['--data-dir', test.dataDir, '--models-dir', inject('modelsDir'), '--image-text-encoder', 'pathlens/tiny-clip'],
    ...['--chat-model', 'pathlens/tiny-chat', '--pull-models', 'false'],
  ];
  const environment = { ...process.env, DATABASE_URL: '' };
  // Synchronous on purpose: while the child runs, the owner (this process) cannot run a single callback.
  const pathlensStalling = (...args: string[]) =>
    spawnSync(process.execPath, commandLine(args), { env: environment, timeout: 90_000, encoding: 'utf8' });
  const upload = async (filePath: string) => {
    const form = new FormData();
    form.append('file', await openAsBlob(filePath), path.basename(filePath));
    form.append('mpp', '0.5');
    const response = await fetch(`${test.server.url}/v1/slides`, { method: 'POST', body: form });
    expect(response.status).toBe(202);
    return waitForSlide(test.server.url, ((await response.json()) as { id: string }).id);
  };

  beforeAll(async () => {
    test = await startTestServer({ databaseUrl: undefined });
    slidePath = path.join(test.dataDir, 'first.png');
    secondSlidePath = path.join(test.dataDir, 'second.png');
    await writeTwoStainSlide(slidePath, { widthPx: 896, heightPx: 448 });
    await writeTwoStainSlide(secondSlidePath, { widthPx: 672, heightPx: 448 });
  }, 180_000);
  let ownerClosed = false;
  afterAll(async () => {
    if (ownerClosed) await rm(test.dataDir, { recursive: true, force: true });
    else await test?.dispose();
  });

  it('refuses a second server and a CLI command while the owner is stalled; nothing is lost', async () => {
    if (test.server.holder.runtime!.store.handle.driver !== 'pglite') return; // the embedded store only
    const first = await upload(slidePath);
    expect(first.status).toBe('ready');

    const stalledAt = Date.now();
    stallEventLoop(6_000); // longer than the old lock's 4 s staleness
    const secondServer = pathlensStalling('serve', '--port', '0', '--host', '127.0.0.1');
    const command = pathlensStalling('ingest', slidePath, '--mpp', '0.5', '--port', '1');
    const stalledMs = Date.now() - stalledAt;
    expect(stalledMs).toBeGreaterThan(6_000);

    expect(secondServer.status).toBe(1);
    expect(secondServer.stderr).toMatch(/start-up failed: Another PathLens process owns the embedded database/);
    expect(command.status).toBe(1);
    expect(command.stderr).toMatch(/owns the embedded database .* does not answer .*database_locked/);

    // This process is also the HTTP client: let it see the keep-alive sockets the server closed meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The owner carries on writing, and every row it wrote before and after is there, once.
    const second = await upload(secondSlidePath);
    expect(second.status).toBe('ready');
    const listed = ((await (await fetch(`${test.server.url}/v1/slides`)).json()) as { data: { id: string }[] }).data;
    expect(listed.map((slide) => slide.id).sort()).toEqual([first.id, second.id].sort());

    // A CLI command while the owner answers talks to it over HTTP instead of opening the directory.
    const again = await promisify(execFile)(
      process.execPath,
      commandLine(['ingest', slidePath, '--mpp', '0.5', '--port', '1']),
      {
        env: environment,
        timeout: 90_000,
      },
    );
    expect(again.stdout).toContain(`already ingested: first.png (${first.id}) via ${test.server.url}`);

    await test.server.close();
    ownerClosed = true;
    const reopened = await openStore({ dataDir: test.dataDir });
    try {
      const slides = await reopened.slides.list();
      expect(slides.map((slide) => slide.id).sort()).toEqual([first.id, second.id].sort());
      for (const slide of slides) expect(await reopened.patches.countForSlide(slide.id)).toBe(slide.patchCount);
    } finally {
      await reopened.close();
    }
  }, 300_000);
});
