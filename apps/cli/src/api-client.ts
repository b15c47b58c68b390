import { createLogger, loadConfig, PathLensError, silentLogger, type Config } from '@pathlens/core';
import { accessSettings, createApp, createRuntime, type RuntimeHolder } from '@pathlens/server';
import { findDataDirectoryOwner } from '@pathlens/store';

/** A `fetch` for the PathLens API: a running server over HTTP, or the same app in this process. */
export interface ApiClient {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** `http://…` of the server in use, or `in-process`. */
  target: string;
  close(): Promise<void>;
}

/**
 * Talk to a running server when one answers (`--server`, the owner of DATA_DIR's embedded
 * database, or HOST:PORT from the config); otherwise open the database and models here and serve
 * the request in-process, through the same app. The embedded database has one owner: a command
 * never opens a data directory that a live process owns, even one that does not answer.
 */
export async function connectApi(config: Config, server?: string | undefined): Promise<ApiClient> {
  const running = await runningServer(config, server);
  if (running) return running;
  const logger = config.logLevel === 'debug' ? createLogger('debug') : createLogger('warn');
  const runtime = await createRuntime(config, logger);
  const holder: RuntimeHolder = { runtime, startupError: null };
  const app = createApp(holder, {
    logger: silentLogger,
    maxUploadBytes: config.maxUploadMegabytes * 1_048_576,
    maxJsonBytes: config.maxJsonBodyMegabytes * 1_048_576,
    access: accessSettings(config, { inProcess: true }),
  });
  return {
    target: 'in-process',
    fetch: async (path, init) => app.request(path, init),
    close: () => runtime.close(),
  };
}

/**
 * The running server (`--server`, the owner of DATA_DIR's embedded database, or HOST:PORT when one
 * answers there), or null when none answers and no `--server` was given. A `--server` that does not
 * answer is an error; so is an owner of the data directory that does not answer (`database_locked`).
 */
export async function runningServer(config: Config, server?: string | undefined): Promise<ApiClient | null> {
  if (!server && !config.databaseUrl) {
    const owner = await findDataDirectoryOwner(config.dataDir, { timeoutMs: 5_000 });
    if (owner?.serverUrl) return remoteApi(owner.serverUrl, config.apiKey);
    if (owner) {
      const who = owner.pid ? `PathLens process ${owner.pid}` : 'A PathLens process';
      const state = owner.answered ? 'serves no HTTP' : 'does not answer (busy or stopped)';
      throw new PathLensError(
        'database_locked',
        `${who} owns the embedded database in ${config.dataDir} and ${state}, so this command will not open it. ` +
          'Retry when it answers, pass --server http://HOST:PORT, or stop it.',
        { directory: config.dataDir },
      );
    }
  }
  const wildcard = config.host === '0.0.0.0' || config.host === '::';
  const base = server ?? `http://${wildcard ? '127.0.0.1' : config.host}:${config.port}`;
  const answers = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(server ? 10_000 : 1_000) }).then(
    (response) => response.ok,
    () => false,
  );
  if (answers) return remoteApi(base, config.apiKey);
  if (server) {
    throw new Error(
      `No PathLens server answers at ${server}. Start one with \`pathlens serve\`, or drop --server to work in-process.`,
    );
  }
  return null;
}

/** The API at `base`, with API_KEY sent as the bearer key when set. */
function remoteApi(base: string, apiKey: string | undefined): ApiClient {
  const authorization: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  const withKey = (init: RequestInit = {}) => ({
    ...init,
    headers: { ...authorization, ...Object.fromEntries(new Headers(init.headers)) },
  });
  return { target: base, fetch: (path, init) => fetch(base + path, withKey(init)), close: async () => {} };
}

/** Throw the server's error message (its envelope's `error.message`) for a non-2xx response. */
export async function expectOk(response: Response): Promise<Response> {
  if (response.ok) return response;
  const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  throw new Error(
    body?.error ? `${body.error.message} (${body.error.code}, HTTP ${response.status})` : `HTTP ${response.status}`,
  );
}

export { loadConfig };
