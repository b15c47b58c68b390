import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '@pathlens/store';

describe('the embedded store has one owner', () => {
  const directories: string[] = [];
  afterAll(async () => {
    for (const directory of directories) await rm(directory, { recursive: true, force: true });
  });

  it('refuses a second opener of the same DATA_DIR with database_locked, and allows it after close', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-lock-'));
    directories.push(dataDir);
    const owner = await openStore({ dataDir });
    const second = await openStore({ dataDir }).catch((error: unknown) => error);
    expect(second).toMatchObject({ code: 'database_locked' });
    expect((second as Error).message).toContain('DATABASE_URL');
    await owner.slides.list(); // the owner is unaffected
    await owner.close();
    const next = await openStore({ dataDir });
    expect(await next.slides.list()).toEqual([]);
    await next.close();
  }, 180_000);
});
