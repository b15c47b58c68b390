import { isIP } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { PathLensError } from '@pathlens/core';
import type { AccessSettings } from './access-settings.ts';
import { isLoopback } from './loopback.ts';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
const acceptedMediaTypes = new Set(['application/json', 'multipart/form-data']);

/** The Host name the request was sent to, without port or brackets. */
function requestHostName(context: Context): string {
  return new URL(context.req.url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

/**
 * Answer only to known Host names (against DNS rebinding): IP addresses, loopback names, and
 * ALLOWED_HOSTS. For every route, the web app included.
 */
export function hostCheck(settings: AccessSettings): MiddlewareHandler {
  const allowed = new Set(
    [...settings.allowedHosts, settings.boundHost].map((host) => host.replace(/^\[|\]$/g, '').toLowerCase()),
  );
  return async (context, next) => {
    if (settings.inProcess) return next();
    const name = requestHostName(context);
    if (!isLoopback(name) && !allowed.has(name) && isIP(name) === 0) {
      throw new PathLensError(
        'forbidden',
        'This server does not answer to that Host name; an administrator can add it to ALLOWED_HOSTS.',
      );
    }
    return next();
  };
}

/**
 * Cross-site checks for /v1: a state-changing request must be JSON or multipart (no
 * `text/plain` or form posts that skip a CORS preflight), and its Origin, when present, must be
 * this server or one in CORS_ORIGINS. Preflights (OPTIONS) are answered for CORS_ORIGINS only.
 */
export function crossSiteGuard(settings: AccessSettings): MiddlewareHandler {
  const corsOrigins = new Set(settings.corsOrigins.map((origin) => origin.replace(/\/$/, '').toLowerCase()));
  return async (context, next) => {
    const origin = context.req.header('origin');
    const listed = origin !== undefined && corsOrigins.has(origin.toLowerCase());
    if (listed) {
      context.header('access-control-allow-origin', origin);
      context.header('vary', 'Origin');
    }
    if (context.req.method === 'OPTIONS') {
      if (!listed)
        throw new PathLensError(
          'forbidden',
          'Cross-origin requests are not allowed from this origin; an administrator can add it to CORS_ORIGINS.',
        );
      context.header('access-control-allow-methods', 'GET, POST, DELETE');
      context.header('access-control-allow-headers', 'authorization, content-type');
      context.header('access-control-max-age', '600');
      return context.body(null, 204);
    }
    if (safeMethods.has(context.req.method)) return next();
    if (origin !== undefined && !listed && !sameOrigin(origin, context)) {
      throw new PathLensError(
        'forbidden',
        "Cross-site requests are refused: this Origin is not the server's own; an administrator can add it to CORS_ORIGINS.",
      );
    }
    const mediaType = (context.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (mediaType === '' ? hasBody(context) : !acceptedMediaTypes.has(mediaType)) {
      throw new PathLensError(
        'unsupported_media_type',
        'Send the body as Content-Type: application/json (or multipart/form-data for files).',
      );
    }
    return next();
  };
}

function sameOrigin(origin: string, context: Context): boolean {
  try {
    return new URL(origin).host.toLowerCase() === new URL(context.req.url).host.toLowerCase();
  } catch {
    return false;
  }
}

function hasBody(context: Context): boolean {
  const length = context.req.header('content-length');
  return (length !== undefined && length !== '0') || context.req.header('transfer-encoding') !== undefined;
}
