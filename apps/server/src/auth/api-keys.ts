import { randomUUID } from 'node:crypto';
import { PathLensError } from '@pathlens/core';
import { apiKeyRoles, type ApiKeyRole, type ApiKeyRow, type Store } from '@pathlens/store';
import {
  apiKeyFingerprint,
  hashApiKeySecret,
  newApiKeySecret,
  parseApiKey,
  verifyApiKeySecret,
} from './api-key-secret.ts';

/** A key as it may be shown: never its secret or hash. */
export interface ApiKeyView {
  id: string;
  object: 'api_key';
  name: string;
  role: ApiKeyRole;
  created_at: string;
  revoked_at: string | null;
}

export function apiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    object: 'api_key',
    name: row.name,
    role: row.role,
    created_at: row.createdAt.toISOString(),
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}

/**
 * Create a key: the returned `key` is the only time its secret exists outside the caller's hands.
 *
 * @example
 * const { key, row } = await createApiKey(store, { name: 'lab system', role: 'service' });
 */
export async function createApiKey(
  store: Store,
  request: { name: string; role: string },
): Promise<{ key: string; row: ApiKeyRow }> {
  const name = request.name.trim();
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (!name || name.length > 100 || /[\u0000-\u001f]/.test(name)) {
    throw new PathLensError(
      'invalid_request',
      'A key needs a name of 1–100 printable characters, e.g. --name "lab system".',
    );
  }
  if (!(apiKeyRoles as readonly string[]).includes(request.role)) {
    throw new PathLensError(
      'invalid_request',
      `Unknown role ${JSON.stringify(request.role.slice(0, 40))}; use one of ${apiKeyRoles.join(', ')}.`,
    );
  }
  const id = randomUUID();
  const { key, secret } = newApiKeySecret(id);
  const hashed = await hashApiKeySecret(secret);
  const row = await store.apiKeys.create({ id, name, role: request.role as ApiKeyRole, ...hashed });
  return { key, row };
}

/**
 * Checks presented keys against the database. A key verified once is remembered by its
 * fingerprint, so scrypt runs once per key and process; the row (revocation) is read every time.
 */
export class ApiKeyVerifier {
  private readonly verified = new Map<string, string>();

  constructor(private readonly store: Store) {}

  /** The key's row when `key` is a valid, unrevoked key; null otherwise. */
  async verify(key: string): Promise<ApiKeyRow | null> {
    const parsed = parseApiKey(key);
    if (!parsed) return null;
    const row = await this.store.apiKeys.findById(parsed.keyId);
    if (!row || row.revokedAt) return null;
    const fingerprint = apiKeyFingerprint(key);
    if (this.verified.get(row.id) === fingerprint) return row;
    if (!(await verifyApiKeySecret(parsed.secret, row))) return null;
    this.verified.set(row.id, fingerprint);
    return row;
  }
}
