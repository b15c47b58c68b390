import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { PathLensError } from '@pathlens/core';
import type { AppEnvironment } from './app-environment.ts';
import { uploadTooLarge } from './multipart/upload-too-large.ts';

export interface BodyLimits {
  /** multipart/form-data (slide and image uploads): MAX_UPLOAD_MEGABYTES. */
  maxUploadBytes: number;
  /** Everything else (JSON): MAX_JSON_BODY_MEGABYTES. */
  maxJsonBytes: number;
}

const megabytes = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

/**
 * Refuse an oversized body with 413. Uploads (multipart) are refused at once when their
 * content-length is over MAX_UPLOAD_MEGABYTES and are otherwise left unread: `receiveMultipart`
 * streams them to disk and counts every byte against the same limit (hono's `bodyLimit` would
 * buffer a chunked body in memory). Any other body (JSON) gets the much smaller
 * MAX_JSON_BODY_MEGABYTES, so a huge chat message is never held in memory.
 */
export function requestBodyLimits(limits: BodyLimits): MiddlewareHandler<AppEnvironment> {
  const json = bodyLimit({
    maxSize: limits.maxJsonBytes,
    onError: () => {
      throw new PathLensError(
        'payload_too_large',
        `The request body is over ${megabytes(limits.maxJsonBytes)} MB (MAX_JSON_BODY_MEGABYTES); send less, or upload files as multipart/form-data.`,
        { limitBytes: limits.maxJsonBytes },
      );
    },
  });
  return (context, next) => {
    context.set('maxUploadBytes', limits.maxUploadBytes);
    if (!(context.req.header('content-type') ?? '').startsWith('multipart/form-data')) return json(context, next);
    const declaredBytes = Number(context.req.header('content-length'));
    if (Number.isFinite(declaredBytes) && declaredBytes > limits.maxUploadBytes)
      throw uploadTooLarge(limits.maxUploadBytes);
    return next();
  };
}
