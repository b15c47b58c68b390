import { serve, type ServerType } from '@hono/node-server';
import { createLogger, type Config, type Logger } from '@pathlens/core';
import { ensureWebAppBuilt } from '@pathlens/web';
import { createApp } from './http/create-app.ts';
import type { RuntimeHolder } from './http/runtime-holder.ts';
import { createRuntime } from './runtime/create-runtime.ts';

export interface RunningServer {
  /** `http://host:port` actually bound (port 0 picks a free one). */
  url: string;
  holder: RuntimeHolder;
  /** Resolves when the runtime is ready; rejects when start-up failed. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Listen first, then open the database and load models in the background, so `/healthz`
 * answers at once and `/readyz` tells when PathLens can serve.
 *
 * @example
 * const server = await startServer(loadConfig());
 * await server.ready;
 */
export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const holder: RuntimeHolder = { runtime: null, startupError: null };
  const webAppDirectory = config.webApp ? await ensureWebAppBuilt() : null;
  const app = createApp(holder, { logger, maxUploadBytes: config.maxUploadMegabytes * 1_048_576, webAppDirectory,
    maxJsonBytes: config.maxJsonBodyMegabytes * 1_048_576,
  });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info(`PathLens listening on ${url}`);
  const ready = createRuntime(config, logger, { serverUrl: url }).then(
    (runtime) => {
      holder.runtime = runtime;
      logger.info('ready');
    },
    (error: Error) => {
      holder.startupError = error;
      logger.error(`start-up failed: ${error.message}`);
      throw error;
    },
  );
  ready.catch(() => {});
  return {
    url,
    holder,
    ready,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      if ('closeAllConnections' in server) server.closeAllConnections();
      await closed;
      await ready.catch(() => {});
      await holder.runtime?.close();
    },
  };
}
