import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** Key text: `plk_<key id, 32 hex>_<secret, 43 base64url chars = 256 random bits>`. */
const keyPattern = /^plk_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
const scryptKeyLength = 32;
/** scrypt cost: N=2^14, r=8 (Node's defaults, ~16 MB, tens of ms); the secret is random, so this is defence in depth.
 *
 */
const scryptOptions = { N: 16_384, r: 8, p: 1, maxmem: 64 * 1_048_576 };

export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

/** Whether text is meant as a PathLens key (its prefix), valid or not. */
export function looksLikeApiKey(key: string): boolean {
  return key.startsWith('plk_');
}

/** The key id (a uuid) and secret in a presented key, or null when it is not shaped like one of ours. */
export function parseApiKey(key: string): ParsedApiKey | null {
  const match = keyPattern.exec(key);
  if (!match) return null;
  const hex = match[1]!;
  const keyId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return { keyId, secret: match[2]! };
}

/** A new secret and the key text that carries it with its id. */
export function newApiKeySecret(keyId: string): { key: string; secret: string } {
  const secret = randomBytes(32).toString('base64url');
  return { key: `plk_${keyId.replaceAll('-', '')}_${secret}`, secret };
}

/** scrypt(secret, salt) with a fresh random salt, both base64url. */
export async function hashApiKeySecret(secret: string): Promise<{ secretSalt: string; secretHash: string }> {
  const salt = randomBytes(16);
  return { secretSalt: salt.toString('base64url'), secretHash: (await derive(secret, salt)).toString('base64url') };
}

/** Whether `secret` hashes to `secretHash` under `secretSalt` (constant-time comparison). */
export async function verifyApiKeySecret(
  secret: string,
  stored: { secretSalt: string; secretHash: string },
): Promise<boolean> {
  const expected = Buffer.from(stored.secretHash, 'base64url');
  const actual = await derive(secret, Buffer.from(stored.secretSalt, 'base64url'));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A fingerprint of a whole key for an in-memory cache of keys already verified (never stored). */
export function apiKeyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

function derive(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, scryptKeyLength, scryptOptions, (error, derived) =>
      error ? reject(error) : resolve(derived),
    );
  });
}
