import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '@pathlens/store';
import { storeClusteredSlides } from '../helpers/clustered-patches.ts';
import { createFreshDatabase } from '../helpers/fresh-database.ts';
import { projectRoot } from '../helpers/shared-data.ts';

const run = promisify(execFile);
const pathlens = (args: string[], databaseUrl = '') =>
  run(process.execPath, [path.join(projectRoot, 'apps/cli/bin/pathlens.js'), 'index', 'patches', ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    timeout: 120_000,
  });

describe('pathlens index patches on the embedded store', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), 'pathlens-index-'));
  });
  afterAll(async () => rm(directory, { recursive: true, force: true }));

  it('explains that the embedded store keeps exact search, without opening it', async () => {
    const dataDir = path.join(directory, 'data');
    const { stdout } = await pathlens(['--data-dir', dataDir]);
    expect(stdout).toMatch(/^Nothing to do: The embedded store \(PGlite\) keeps exact patch search/);
    expect(stdout).toMatch(/Set DATABASE_URL to a PostgreSQL server/);
    // A running server may own the data directory: the command never opened it.
    expect(await readdir(directory)).toEqual([]);
  }, 120_000);
});

const serverUrl = process.env.DATABASE_URL;
if (!serverUrl)
  console.warn(
    '[skip] DATABASE_URL is not set: `pathlens index patches` on PostgreSQL needs a server (.ci/run sets one).',
  );

describe.skipIf(!serverUrl)('pathlens index patches on PostgreSQL', () => {
  let store: Store;
  let database: Awaited<ReturnType<typeof createFreshDatabase>>;
  beforeAll(async () => {
    database = await createFreshDatabase(serverUrl!);
    store = await openStore({ dataDir: os.tmpdir(), databaseUrl: database.url });
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('refuses an empty store, then builds over the stored patches, and rebuilds on request', async () => {
    const empty = await pathlens([], database.url).then(
      () => ({ code: 0, stdout: '' }),
      (error: { stdout: string; code: number }) => error,
    );
    expect(empty.code).toBe(1);
    expect(empty.stdout).toMatch(/No patches are stored yet: ingest slides first/);

    await storeClusteredSlides(store, 3, 400);
    const { stdout } = await pathlens([], database.url);
    expect(stdout).toMatch(
      /Built the patch index over 1,200 patches \(10 lists\) in [\d.]+ s\. Cross-slide patch search uses it now/,
    );
    expect(await store.patchIndex.state()).toMatchObject({ status: 'ready', lists: 10, rowsAtBuild: 1200 });

    expect((await pathlens(['--rebuild'], database.url)).stdout).toMatch(/Built the patch index over 1,200 patches/);
  }, 240_000);
});
