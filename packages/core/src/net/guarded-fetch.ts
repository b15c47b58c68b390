import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { PathLensError } from '../errors/pathlens-error.ts';
import { isPublicAddress } from './blocked-addresses.ts';

export interface GuardedFetchOptions {
  /** Host names fetching may reach (`images.example.org`, `*.example.org`); empty: none (FETCH_ALLOWED_HOSTS). */
  allowedHosts: string[];
  /** Largest body accepted, bytes (FETCH_MAX_MEGABYTES). */
  maxBytes: number;
  /** Time for the whole fetch, redirects included, ms (FETCH_TIMEOUT_SECONDS). */
  timeoutMs: number;
  /** Redirect hops followed, each checked like the first; default 3. */
  maxRedirects?: number;
  /** Which resolved addresses may be connected to; default public unicast only. Tests pass their own. */
  isAddressAllowed?: (address: string) => boolean;
}

export interface FetchedResource {
  bytes: Uint8Array;
  contentType: string | null;
  /** The URL finally answered, after redirects. */
  url: string;
}

/** A fetch that goes only where the guard allows; the one way PathLens reaches out to URLs it is given. */
export type GuardedFetch = (url: string, options?: { signal?: AbortSignal | undefined }) => Promise<FetchedResource>;

/** Errors say no more than this about a failed connection: open, closed, filtered and forbidden look alike. */
export function couldNotFetch(url: string): PathLensError {
  return new PathLensError('fetch_failed', `Could not fetch ${shorten(url)}.`, {});
}

/**
 * One guarded fetcher for every outbound request (image URLs in imports and chat): the host
 * must be in the allowlist; every address it resolves to must be public (checked on the
 * address actually connected to, and again on every redirect hop); bodies are size- and
 * time-limited. A failure is `fetch_not_allowed` (naming the setting) or a neutral `fetch_failed`.
 *
 * @example
 * const fetchImage = createGuardedFetch({ allowedHosts: ['images.example.org'], maxBytes: 64 << 20, timeoutMs: 30_000
 * });
 * const { bytes } = await fetchImage('https://images.example.org/patch.png');
 */
export function createGuardedFetch(options: GuardedFetchOptions): GuardedFetch {
  const isAddressAllowed = options.isAddressAllowed ?? isPublicAddress;
  const maxRedirects = options.maxRedirects ?? 3;
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      if (addresses.length === 0 || !addresses.every((entry) => isAddressAllowed(entry.address))) {
        return callback(Object.assign(new Error('address not allowed'), { code: 'EADDRNOTALLOWED' }), '', 0);
      }
      if (lookupOptions.all)
        return (callback as unknown as (error: null, all: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };

  return async (url, callOptions = {}) => {
    const signal = AbortSignal.any([
      AbortSignal.timeout(options.timeoutMs),
      ...(callOptions.signal ? [callOptions.signal] : []),
    ]);
    let current = url;
    for (let hop = 0; hop <= maxRedirects; hop += 1) {
      const target = checkTarget(current, options.allowedHosts, isAddressAllowed);
      const response = await send(target, lookup, signal).catch((error: unknown) => {
        if (callOptions.signal?.aborted) throw error;
        throw couldNotFetch(url);
      });
      const location = response.headers.location;
      if (response.statusCode && response.statusCode >= 300 && response.statusCode < 400 && location) {
        response.resume();
        current = new URL(location, target).toString();
        continue;
      }
      if (response.statusCode !== 200) {
        response.resume();
        throw couldNotFetch(url);
      }
      const bytes = await readLimited(response, options.maxBytes, url).catch((error: unknown) => {
        throw PathLensError.is(error) ? error : couldNotFetch(url);
      });
      return { bytes, contentType: response.headers['content-type'] ?? null, url: current };
    }
    throw couldNotFetch(url);
  };
}

/** The URL to request, once its scheme, host name and (for a literal IP) address pass. */
function checkTarget(url: string, allowedHosts: string[], isAddressAllowed: (address: string) => boolean): URL {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw new PathLensError('invalid_request', `${shorten(url)} is not a URL.`);
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new PathLensError('fetch_not_allowed', `Only http(s) URLs are fetched, not ${shorten(target.protocol)}.`);
  }
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!hostAllowed(host, allowedHosts)) {
    const why = allowedHosts.length === 0 ? 'remote fetching is off' : `${shorten(host)} is not an allowed host`;
    throw new PathLensError(
      'fetch_not_allowed',
      `Not fetching ${shorten(url)}: ${why}. An administrator can add the host to FETCH_ALLOWED_HOSTS.`,
      { setting: 'FETCH_ALLOWED_HOSTS' },
    );
  }
  if (target.username || target.password) throw couldNotFetch(url);
  if (isIP(host) !== 0 && !isAddressAllowed(host)) throw couldNotFetch(url);
  return target;
}

function hostAllowed(host: string, allowedHosts: string[]): boolean {
  return allowedHosts.some((entry) => {
    const allowed = entry.trim().toLowerCase();
    return allowed.startsWith('*.') ? host.endsWith(allowed.slice(1)) : host === allowed;
  });
}

function send(target: URL, lookup: LookupFunction, signal: AbortSignal): Promise<IncomingMessage> {
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      target,
      { method: 'GET', lookup, signal, headers: { accept: 'image/*', 'user-agent': 'PathLens' } },
      resolve,
    );
    outgoing.once('error', reject);
    outgoing.end();
  });
}

async function readLimited(response: IncomingMessage, maxBytes: number, url: string): Promise<Uint8Array> {
  const tooLarge = () =>
    new PathLensError(
      'payload_too_large',
      `${shorten(url)} is over ${Math.round(maxBytes / 1_048_576)} MB (FETCH_MAX_MEGABYTES).`,
    );
  if (Number(response.headers['content-length'] ?? 0) > maxBytes) {
    response.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      response.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** User-given text in messages: a short prefix only. */
function shorten(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
