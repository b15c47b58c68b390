import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { PathLensError } from '@pathlens/core';

export interface BodyLimits {
  /** multipart/form-data (slide and image uploads): MAX_UPLOAD_MEGABYTES. */
  maxUploadBytes: number;
  /** Everything else (JSON): MAX_JSON_BODY_MEGABYTES. */
  maxJsonBytes: number;
}

const megabytes = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

/**
 * Refuse an oversized body with 413 before it is read: at once when its content-length says so,
 * else as soon as the streamed bytes pass the limit. Uploads get MAX_UPLOAD_MEGABYTES; any other
 * body (JSON) the much smaller MAX_JSON_BODY_MEGABYTES, so a huge chat message is never held in memory.
 */
export function requestBodyLimits(limits: BodyLimits): MiddlewareHandler {
  const refuse = (limitBytes: number, setting: string, hint: string) => () => {
    throw new PathLensError('payload_too_large', `The request body is over ${megabytes(limitBytes)} MB (${setting}); ${hint}`, {
      limitBytes,
    });
  };
  const upload = bodyLimit({
    maxSize: limits.maxUploadBytes,
    onError: refuse(limits.maxUploadBytes, 'MAX_UPLOAD_MEGABYTES', 'raise it, or ingest by path (SLIDE_DIRS).'),
  });
  const json = bodyLimit({
    maxSize: limits.maxJsonBytes,
    onError: refuse(limits.maxJsonBytes, 'MAX_JSON_BODY_MEGABYTES', 'send less, or upload files as multipart/form-data.'),
  });
  return (context, next) =>
    (context.req.header('content-type') ?? '').startsWith('multipart/form-data') ? upload(context, next) : json(context, next);
}
