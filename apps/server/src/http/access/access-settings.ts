import type { Config } from '@pathlens/core';

/** What the access checks need from the configuration; known before the runtime is ready. */
export interface AccessSettings {
  /** The address the server is bound to (HOST). */
  boundHost: string;
  requireApiKeys: boolean;
  corsOrigins: string[];
  allowedHosts: string[];
  /** Per key and kind of expensive request; 0 = none. */
  rateLimitPerMinute: number;
  /** The CLI serving itself in-process: it owns the data directory, so it may do anything. */
  inProcess: boolean;
}

export function accessSettings(config: Config, options: { inProcess?: boolean } = {}): AccessSettings {
  return {
    boundHost: config.host,
    requireApiKeys: config.requireApiKeys,
    corsOrigins: config.corsOrigins,
    allowedHosts: config.allowedHosts,
    rateLimitPerMinute: config.rateLimitPerMinute,
    inProcess: options.inProcess ?? false,
  };
}
