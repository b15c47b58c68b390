import { PathLensError } from './pathlens-error.ts';
import type { ErrorCode } from './error-code.ts';

/** An error as it crosses the thread boundary: structured clone drops `code` and `details`. */
export interface SerialisedError {
  message: string;
  name: string;
  stack?: string | undefined;
  /** Set for a `PathLensError`. */
  pathLensCode?: ErrorCode;
  details?: Record<string, unknown>;
  /** A Node system error's code (`ENOENT`). */
  systemCode?: string;
}

export function serialiseError(error: unknown): SerialisedError {
  if (!(error instanceof Error)) return { message: String(error), name: 'Error' };
  const systemCode = (error as NodeJS.ErrnoException).code;
  return {
    message: error.message,
    name: error.name,
    stack: error.stack,
    ...(error instanceof PathLensError ? { pathLensCode: error.code, details: error.details } : {}),
    ...(typeof systemCode === 'string' && !(error instanceof PathLensError) ? { systemCode } : {}),
  };
}

/** The same error on this side: a `PathLensError` keeps its code, so the HTTP status is the same as in-process. */
export function deserialiseError(serialised: SerialisedError): Error {
  const error: Error & { code?: string } = serialised.pathLensCode
    ? new PathLensError(serialised.pathLensCode, serialised.message, serialised.details ?? {})
    : Object.assign(new Error(serialised.message), { name: serialised.name });
  if (serialised.systemCode) error.code = serialised.systemCode;
  if (serialised.stack) error.stack = serialised.stack;
  return error;
}
