import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { PathLensError, type Logger } from '@pathlens/core';
import { errorStatus } from './error-status.ts';

/** The OpenAI error envelope, so OpenAI clients raise typed errors. */
export interface ErrorBody {
  error: {
    message: string;
    type: 'invalid_request_error' | 'server_error';
    code: string;
    param: string | null;
    details?: Record<string, unknown>;
  };
}

export function errorBody(error: PathLensError): { status: number; body: ErrorBody } {
  const status = errorStatus[error.code];
  const param = typeof error.details.param === 'string' ? error.details.param : null;
  return {
    status,
    body: {
      error: {
        message: error.message,
        type: status < 500 ? 'invalid_request_error' : 'server_error',
        code: error.code,
        param,
        details: error.details,
      },
    },
  };
}

/** Any thrown value as a PathLensError: ours as they are, hono's (body limit…) and unknown ones mapped. */
export function asPathLensError(error: unknown): PathLensError {
  if (error instanceof PathLensError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 413)
      return new PathLensError('payload_too_large', 'The request body is larger than MAX_UPLOAD_MEGABYTES allows.');
    return new PathLensError(error.status === 404 ? 'not_found' : 'invalid_request', error.message || 'Bad request.');
  }
  return new PathLensError('internal_error', 'Internal error; the server logged the details.', {}, { cause: error });
}

/** hono's `onError`: every failure leaves through here. */
export function handleError(logger: Logger) {
  return (thrown: Error, context: Context) => {
    const error = asPathLensError(thrown);
    if (error.code === 'internal_error')
      logger.error(`${context.req.method} ${context.req.path} failed`, { error: String(thrown.stack ?? thrown) });
    const { status, body } = errorBody(error);
    if (error.code === 'queue_full' || error.code === 'server_starting' || error.code === 'rate_limited')
      context.header('retry-after', String(error.details.retryAfterSeconds ?? 5));
    if (error.code === 'unauthorized') context.header('www-authenticate', 'Bearer realm="pathlens"');
    return context.json(body, status as 400);
  };
}
