import { Hono } from 'hono';
import { PathLensError, type Logger, quotePrefix } from '@pathlens/core';
import type { AccessSettings } from './access/access-settings.ts';
import { authenticate } from './access/authenticate.ts';
import { crossSiteGuard, hostCheck } from './access/cross-site-guard.ts';
import { securityHeaders } from './access/security-headers.ts';
import type { AppEnvironment } from './app-environment.ts';
import { handleError } from './error-response.ts';
import { requestBodyLimits } from './request-body-limits.ts';
import { auditRoutes } from './routes/audit/audit-routes.ts';
import { chatCompletionsRoute } from './routes/chat/chat-completions-route.ts';
import { classifyRoutes } from './routes/classify/classify-routes.ts';
import { conversationsRoutes } from './routes/conversations/conversations-routes.ts';
import { deletionRoutes } from './routes/deletion/deletion-routes.ts';
import { embeddingsRoutes } from './routes/embeddings/embeddings-routes.ts';
import { regionImageRoute } from './routes/evidence/region-image-route.ts';
import { healthRoutes } from './routes/health/health-routes.ts';
import { keysRoutes } from './routes/keys/keys-routes.ts';
import { heatmapRoutes } from './routes/heatmap/heatmap-routes.ts';
import { labelSetsRoutes } from './routes/label-sets/label-sets-routes.ts';
import { modelsRoutes } from './routes/models/models-routes.ts';
import { pairsRoutes } from './routes/pairs/pairs-routes.ts';
import { reportsRoutes } from './routes/reports/reports-routes.ts';
import { searchRoutes } from './routes/search/search-routes.ts';
import { dicomWebRoutes } from './routes/dicomweb/dicomweb-routes.ts';
import { slidesRoutes } from './routes/slides/slides-routes.ts';
import { slidePrototypesRoute } from './routes/slides/slide-prototypes-route.ts';
import { slideReingestRoute } from './routes/slides/slide-reingest-route.ts';
import { slideViewerRoutes } from './routes/slides/slide-viewer-routes.ts';
import { statusRoutes } from './routes/status/status-routes.ts';
import { webAppRoutes } from './routes/web-app/web-app-routes.ts';
import type { RuntimeHolder } from './runtime-holder.ts';

/**
 * The HTTP API. Routes under /v1 answer 503 `server_starting` until the runtime is ready.
 *
 * @example
 * const app = createApp({ runtime, startupError: null }, { logger, maxUploadBytes: 1 << 30 });
 * const response = await app.request('/v1/models');
 */
export interface AppOptions {
  logger: Logger;
  maxUploadBytes: number;
  /** The built web app to serve at `/` (see `@pathlens/web`); null or absent: the API only. */
  webAppDirectory?: string | null;
  /** Largest JSON (non-multipart) body, bytes: refused with 413 from its content-length before it is read. */
  maxJsonBytes?: number;
  /** Keys, roles, origins and hosts (see `accessSettings`). */
  access: AccessSettings;
}

export function createApp(holder: RuntimeHolder, options: AppOptions) {
  const app = new Hono<AppEnvironment>();
  app.onError(handleError(options.logger));
  app.notFound((context) => {
    throw new PathLensError(
      'not_found',
      `No route ${context.req.method} ${quotePrefix(context.req.path, 200)}. See the README for the API.`,
    );
  });
  app.use('*', securityHeaders());
  app.use('*', hostCheck(options.access));
  app.route('/', healthRoutes(holder));
  if (options.webAppDirectory) app.route('/', webAppRoutes(options.webAppDirectory));
  app.use('/v1/*', crossSiteGuard(options.access));
  app.use('/v1/*', async (context, next) => {
    if (!holder.runtime) {
      const why = holder.startupError
        ? `start-up failed: ${holder.startupError.message}`
        : 'PathLens is starting (opening the database, loading models); retry in a few seconds';
      throw new PathLensError('server_starting', why, { retryAfterSeconds: 5 });
    }
    context.set('runtime', holder.runtime);
    await next();
  });
  app.use('/v1/*', authenticate(options.access));
  app.use(
    '/v1/*',
    requestBodyLimits({ maxUploadBytes: options.maxUploadBytes, maxJsonBytes: options.maxJsonBytes ?? 16 * 1_048_576 }),
  );
  app.route('/', dicomWebRoutes());
  app.route('/', slidesRoutes());
  app.route('/', slideReingestRoute());
  app.route('/', slideViewerRoutes());
  app.route('/', slidePrototypesRoute());
  app.route('/', statusRoutes());
  app.route('/', pairsRoutes());
  app.route('/', searchRoutes());
  app.route('/', heatmapRoutes());
  app.route('/', classifyRoutes());
  app.route('/', labelSetsRoutes());
  app.route('/', chatCompletionsRoute());
  app.route('/', modelsRoutes());
  app.route('/', conversationsRoutes());
  app.route('/', regionImageRoute());
  app.route('/', embeddingsRoutes());
  app.route('/', reportsRoutes());
  app.route('/', auditRoutes());
  app.route('/', deletionRoutes());
  app.route('/', keysRoutes());
  return app;
}

export type PathLensApp = ReturnType<typeof createApp>;
