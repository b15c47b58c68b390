export * from './errors/error-code.ts';
export * from './errors/pathlens-error.ts';
export * from './config/config-schema.ts';
export * from './config/load-config.ts';
export * from './logging/logger.ts';
export * from './files/write-file-atomically.ts';
export * from './net/blocked-addresses.ts';
export * from './net/guarded-fetch.ts';
