/** A failed API call, with the server's error code and its how-to-fix message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API's error envelope (`{"error": {"code", "message"}}`) as an ApiError. */
export function apiErrorFrom(status: number, body: unknown): ApiError {
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  return new ApiError(status, error?.code ?? `http_${status}`, error?.message ?? `The server answered HTTP ${status}.`);
}

export const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));
