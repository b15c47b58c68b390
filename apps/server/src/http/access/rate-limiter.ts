import { PathLensError } from '@pathlens/core';

/**
 * Token buckets: each (key, kind) may spend `perMinute` requests a minute, refilled evenly,
 * with a burst of up to `perMinute`. Over it: 429 `rate_limited` with retry-after.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedMs: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  /** Spend one request of `kind` for `keyId`, or throw `rate_limited`. */
  take(keyId: string, kind: string): void {
    if (this.perMinute <= 0) return;
    const id = `${keyId}:${kind}`;
    const now = this.nowMs();
    const refillPerMs = this.perMinute / 60_000;
    const bucket = this.buckets.get(id) ?? { tokens: this.perMinute, updatedMs: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedMs) * refillPerMs);
    bucket.updatedMs = now;
    this.buckets.set(id, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / refillPerMs / 1000));
    throw new PathLensError(
      'rate_limited',
      `This key may make ${this.perMinute} ${kind} requests a minute (RATE_LIMIT_PER_MINUTE); retry in ${retryAfterSeconds} s.`,
      { retryAfterSeconds, kind },
    );
  }
}
