import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig, silentLogger, type Config } from '@pathlens/core';
import { startServer, type RunningServer } from '@pathlens/server';
import { createFreshDatabase } from './fresh-database.ts';

/**
 * A real PathLens server on a free loopback port: tiny generated models, a fresh data
 * directory, and the embedded store — or, when DATABASE_URL is set, a fresh database on that server.
 */
export async function startTestServer(
  overrides: Record<string, unknown> = {},
): Promise<{ server: RunningServer; config: Config; dataDir: string; dispose(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pathlens-server-'));
  const database = process.env.DATABASE_URL ? await createFreshDatabase(process.env.DATABASE_URL) : null;
  const config = loadConfig({
    explicit: {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      modelsDir: inject('modelsDir'),
      imageTextEncoder: 'pathlens/tiny-clip',
      chatModel: 'pathlens/tiny-chat',
      pullModels: 'false',
      databaseUrl: database?.url,
      ...overrides,
    },
    environment: {},
  });
  const server = await startServer(config, silentLogger);
  await server.ready;
  return {
    server,
    config,
    dataDir,
    async dispose() {
      await server.close();
      await database?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Poll a slide until it is ready or failed. */
export async function waitForSlide(baseUrl: string, id: string, timeoutMs = 120_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const slide = (await (await fetch(`${baseUrl}/v1/slides/${id}`)).json()) as Record<string, any>;
    if (slide.status === 'ready' || slide.status === 'failed') return slide;
    if (Date.now() > deadline) throw new Error(`slide ${id} still ${slide.status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
