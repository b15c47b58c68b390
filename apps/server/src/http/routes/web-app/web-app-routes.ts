import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';

/**
 * The policy the web app runs under: only its own scripts, styles and API; images also from
 * `data:`/`blob:` URLs (evidence crops fetched with the API key); never framed.
 */
export const webAppContentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'";

/**
 * The web app (built by `@pathlens/web` into `directory`): `GET /` is its page, `/assets/*` its
 * bundled script, stylesheet and viewer icons. It is one more API client: everything it shows
 * comes from `/v1`. Screens are addressed by the URL's hash (`/#/slides/<id>`), so no other path is needed.
 */
export function webAppRoutes(directory: string) {
  return new Hono()
    .use('/', securityHeaders)
    .use('/index.html', securityHeaders)
    .use('/assets/*', securityHeaders)
    .get(
      '/',
      serveStatic({
        root: directory,
        path: 'index.html',
        onFound: (_path, context) => context.header('cache-control', 'no-cache'),
      }),
    )
    .get('/favicon.svg', serveStatic({ root: directory, path: 'favicon.svg' }))
    .get(
      '/assets/*',
      serveStatic({ root: directory, onFound: (_path, context) => context.header('cache-control', 'no-cache') }),
    );
}

async function securityHeaders(context: import('hono').Context, next: () => Promise<void>) {
  await next();
  context.header('content-security-policy', webAppContentSecurityPolicy);
  context.header('x-content-type-options', 'nosniff');
  context.header('referrer-policy', 'no-referrer');
}
