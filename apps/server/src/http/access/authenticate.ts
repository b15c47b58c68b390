import type { MiddlewareHandler } from 'hono';
import { PathLensError } from '@pathlens/core';
import { looksLikeApiKey } from '../../auth/api-key-secret.ts';
import { ApiKeyVerifier } from '../../auth/api-keys.ts';
import type { AppEnvironment } from '../app-environment.ts';
import type { AccessSettings } from './access-settings.ts';
import { isLoopback } from './loopback.ts';
import { RateLimiter } from './rate-limiter.ts';
import { matchRoute, rateLimitedRoutes, routeRoles } from './route-roles.ts';

const howToGetAKey = 'an administrator creates one with `pathlens keys create --role clinician --name "<who>"`';

/** The bearer key of a request, or null when it carries none. */
export function bearerKey(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match ? match[1]! : null;
}

/**
 * Who is calling and whether they may: a valid key whose role the route table lists for this
 * route, within its rate limit. Without a key, only while keys are not required (loopback, no
 * key exists, REQUIRE_API_KEYS off). Runs after the runtime is ready (keys live in the database).
 */
export function authenticate(settings: AccessSettings): MiddlewareHandler<AppEnvironment> {
  const limiter = new RateLimiter(settings.rateLimitPerMinute);
  const verifiers = new WeakMap<object, ApiKeyVerifier>();
  return async (context, next) => {
    if (settings.inProcess) {
      context.set('principal', { kind: 'open' });
      return next();
    }
    const store = context.get('runtime').store;
    const presented = bearerKey(context.req.header('authorization'));
    const route = matchRoute(context.req.method, context.req.path);
    // While keys are not required, a bearer that is not one of ours (OpenAI clients always send
    // some key) is ignored; one of ours is checked, so its role applies.
    const required =
      settings.requireApiKeys || !isLoopback(settings.boundHost) || (await store.apiKeys.countActive()) > 0;
    if (presented === null || (!required && !looksLikeApiKey(presented))) {
      if (required)
        throw new PathLensError(
          'unauthorized',
          `This server needs an API key: send \`Authorization: Bearer <key>\`; ${howToGetAKey}.`,
        );
      context.set('principal', { kind: 'open' });
      return next();
    }
    let verifier = verifiers.get(store);
    if (!verifier) verifiers.set(store, (verifier = new ApiKeyVerifier(store)));
    const row = await verifier.verify(presented);
    if (!row) throw new PathLensError('unauthorized', `The API key is not valid or has been revoked; ${howToGetAKey}.`);
    if (!route || !routeRoles[route]!.includes(row.role)) {
      const allowed = route ? routeRoles[route]!.join(', ') : 'no role';
      throw new PathLensError(
        'forbidden',
        `A ${row.role} key may not call ${context.req.method} ${route?.split(' ')[1] ?? 'this path'} (allowed: ${allowed}).`,
        { role: row.role },
      );
    }
    const kind = rateLimitedRoutes[route];
    if (kind) limiter.take(row.id, kind);
    context.set('principal', { kind: 'key', keyId: row.id, name: row.name, role: row.role });
    return next();
  };
}
