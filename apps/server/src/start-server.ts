import { serve, type ServerType } from '@hono/node-server';
import { createLogger, PathLensError, type Config, type Logger } from '@pathlens/core';
import { ensureWebAppBuilt } from '@pathlens/web';
import { accessSettings } from './http/access/access-settings.ts';
import { isLoopback } from './http/access/loopback.ts';
import { createApp } from './http/create-app.ts';
import type { RuntimeHolder } from './http/runtime-holder.ts';
import { createRuntime } from './runtime/create-runtime.ts';
import type { Runtime } from './runtime/runtime.ts';

export interface RunningServer {
  /** `http://host:port` actually bound (port 0 picks a free one). */
  url: string;
  holder: RuntimeHolder;
  /** Resolves when the runtime is ready; rejects when start-up failed. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * On loopback, listen first, then open the database and load models in the background, so
 * `/healthz` answers at once and `/readyz` tells when PathLens can serve. Bound anywhere else,
 * start-up finishes first and the server refuses to listen while no API key exists.
 *
 * @example
 * const server = await startServer(loadConfig());
 * await server.ready;
 */
export async function startServer(
  config: Config,
  logger: Logger = createLogger(config.logLevel),
): Promise<RunningServer> {
  const holder: RuntimeHolder = { runtime: null, startupError: null };
  const webAppDirectory = config.webApp ? await ensureWebAppBuilt() : null;
  const app = createApp(holder, {
    logger,
    maxUploadBytes: config.maxUploadMegabytes * 1_048_576,
    maxJsonBytes: config.maxJsonBodyMegabytes * 1_048_576,
    webAppDirectory,
    access: accessSettings(config),
  });
  // Off loopback the database is opened before listening: no key, no server. On loopback it opens
  // once listening, so the data directory's owner can tell CLI commands the URL it serves.
  let starting: Promise<Runtime> | null = null;
  if (!isLoopback(config.host)) {
    const wildcard = config.host === '0.0.0.0' || config.host === '::';
    const host = wildcard ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
    starting = createRuntime(config, logger, { serverUrl: `http://${host}:${config.port}` });
    const runtime = await starting;
    if ((await runtime.store.apiKeys.countActive()) === 0) {
      await runtime.close();
      throw new PathLensError(
        'invalid_config',
        `HOST=${config.host} is reachable from other machines, but no API key exists, so anyone could use PathLens. ` +
          'Create one first (with the server stopped): `pathlens keys create --role admin --name "<your name>"`, ' +
          'or bind to loopback (HOST=127.0.0.1).',
      );
    }
  }
  const server = await new Promise<ServerType>((resolve, reject) => {
    const listening = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(listening));
    listening.once('error', reject);
  });
  // Idle keep-alive connections outlive clients' own idle timers (undici: 4 s), so a client never
  // reuses a socket the server is closing at that moment (ECONNRESET under load).
  if ('keepAliveTimeout' in server) {
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info(`PathLens listening on ${url}`);
  const ready = (starting ?? createRuntime(config, logger, { serverUrl: url })).then(
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
