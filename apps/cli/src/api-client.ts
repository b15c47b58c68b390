import { createLogger, loadConfig, silentLogger, type Config } from '@pathlens/core';
import { accessSettings, createApp, createRuntime, type RuntimeHolder } from '@pathlens/server';

/** A `fetch` for the PathLens API: a running server over HTTP, or the same app in this process. */
export interface ApiClient {
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** `http://…` of the server in use, or `in-process`. */
  target: string;
  close(): Promise<void>;
}

/**
 * A running server that answers `/healthz` (`server`, or HOST:PORT from the config), with
 * API_KEY sent as the bearer key when set; null when none answers.
 */
export async function connectServer(config: Config, server?: string | undefined): Promise<ApiClient | null> {
  const base = server ?? `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${config.port}`;
  const answers = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(server ? 10_000 : 1_000) }).then(
    (response) => response.ok,
    () => false,
  );
  if (!answers) return null;
  const authorization: Record<string, string> = config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {};
  const withKey = (init: RequestInit = {}) => ({ ...init, headers: { ...authorization, ...Object.fromEntries(new Headers(init.headers)) } });
  return { target: base, fetch: (path, init) => fetch(base + path, withKey(init)), close: async () => {} };
}

/**
 * Talk to a running server when one answers (`--server`, or HOST:PORT from the config);
 * otherwise open the database and models here and serve the request in-process, through
 * the same app. The embedded database has one owner, so a running server always wins.
 */
export async function connectApi(config: Config, server?: string | undefined): Promise<ApiClient> {
  const running = await connectServer(config, server);
  if (running) return running;
  if (server) throw new Error(`No PathLens server answers at ${server}. Start one with \`pathlens serve\`, or drop --server to work in-process.`);
  const logger = config.logLevel === 'debug' ? createLogger('debug') : createLogger('warn');
  const runtime = await createRuntime(config, logger);
  const holder: RuntimeHolder = { runtime, startupError: null };
  const app = createApp(holder, { logger: silentLogger, maxUploadBytes: config.maxUploadMegabytes * 1_048_576, access: accessSettings(config, { inProcess: true }) });
  return {
    target: 'in-process',
    fetch: async (path, init) => app.request(path, init),
    close: () => runtime.close(),
  };
}

/** Throw the server's error message (its envelope's `error.message`) for a non-2xx response. */
export async function expectOk(response: Response): Promise<Response> {
  if (response.ok) return response;
  const body = (await response.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  throw new Error(body?.error ? `${body.error.message} (${body.error.code}, HTTP ${response.status})` : `HTTP ${response.status}`);
}

export { loadConfig };
