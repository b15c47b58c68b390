import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '@pathlens/store';
import { createFreshDatabase } from './fresh-database.ts';

export interface TestStoreFactory {
  name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty store and a function that disposes of it. */
  open(): Promise<{ store: Store; dispose(): Promise<void> }>;
}

/**
 * The stores every store test runs against: always the embedded PGlite driver, plus a
 * PostgreSQL server when `DATABASE_URL` is set (`.ci/run` sets it). Each store gets its own
 * directory or database, so tests never see each other's rows.
 */
export function testStoreFactories(): TestStoreFactory[] {
  const factories: TestStoreFactory[] = [
    {
      name: 'pglite',
      async open() {
        const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-store-'));
        const store = await openStore({ dataDir });
        return {
          store,
          dispose: async () => {
            await store.close();
            await rm(dataDir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    factories.push({
      name: 'postgres',
      async open() {
        const database = await createFreshDatabase(serverUrl);
        const store = await openStore({ dataDir: os.tmpdir(), databaseUrl: database.url });
        return {
          store,
          dispose: async () => {
            await store.close();
            await database.drop();
          },
        };
      },
    });
  } else {
    console.warn('[skip] DATABASE_URL is not set: store tests run on the embedded PGlite driver only.');
  }
  return factories;
}

/** A slide row for repository tests (no file behind it); `sha` makes it unique. */
export function newSlideRow(sha: string) {
  return {
    name: `slide-${sha}`,
    filePath: `/slides/${sha}.svs`,
    contentSha256: sha,
    format: 'aperio-svs',
    widthPx: 2000,
    heightPx: 1000,
    mppX: 0.5,
    mppY: 0.5,
    patchSizeLevel0Px: 224,
    encoderId: 'pathlens/tiny-clip',
  };
}
