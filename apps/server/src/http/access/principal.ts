import type { ApiKeyRole } from '@pathlens/store';

/**
 * Who is calling. `open`: keys are not required (loopback with no key, the one-person default)
 * or the CLI serves itself in-process; every route is allowed.
 */
export type Principal = { kind: 'key'; keyId: string; name: string; role: ApiKeyRole } | { kind: 'open' };

/** How a principal is named in audit rows: the key's name and id, never its secret. */
export function describePrincipal(principal: Principal | undefined): string {
  return principal?.kind === 'key' ? `key:${principal.name} (${principal.keyId})` : 'anonymous';
}
