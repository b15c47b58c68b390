import type { ErrorCode } from './error-code.ts';

/**
 * A failure with a code, a message that tells the user how to fix it, and context.
 *
 * @example
 * throw new PathLensError('missing_mpp', 'Slide has no MPP. Pass --mpp 0.25 or set "mpp" in the request.', { path });
 */
export class PathLensError extends Error {
  override readonly name = 'PathLensError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static is(value: unknown, code?: ErrorCode): value is PathLensError {
    return value instanceof PathLensError && (code === undefined || value.code === code);
  }
}
