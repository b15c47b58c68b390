import OpenAI from 'openai';
import { PathLensError } from '@pathlens/core';

/**
 * An OpenAI-compatible server's failure as ours: its 429 stays a 429 (`queue_full`, with its
 * retry-after), everything else is an `upstream_error` (502) that names the server and says
 * which setting to check.
 */
export function mapUpstreamError(error: unknown, upstream: { baseUrl: string; model: string }): PathLensError {
  if (error instanceof PathLensError) return error;
  const where = `the OpenAI-compatible server at ${upstream.baseUrl} (CHAT_BASE_URL)`;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new PathLensError(
      'upstream_error',
      `${where} did not answer in time; check that it is running and not overloaded.`,
      { upstreamBaseUrl: upstream.baseUrl },
      { cause: error },
    );
  }
  if (error instanceof OpenAI.APIConnectionError) {
    const reason = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return new PathLensError(
      'upstream_error',
      `Cannot reach ${where}${reason}. Start it, or fix CHAT_BASE_URL.`,
      { upstreamBaseUrl: upstream.baseUrl },
      { cause: error },
    );
  }
  if (error instanceof OpenAI.APIError) {
    const status = error.status;
    const upstreamMessage = error.message.replace(/^\d{3}\s+/, '');
    const details = {
      upstreamBaseUrl: upstream.baseUrl,
      upstreamStatus: status ?? null,
      upstreamCode: error.code ?? null,
    };
    if (status === 429) {
      const retryAfter = Number(error.headers?.get('retry-after'));
      return new PathLensError(
        'queue_full',
        `${where} is busy (429: ${upstreamMessage}); retry later.`,
        { ...details, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : 5 },
        { cause: error },
      );
    }
    if (status === 401 || status === 403) {
      return new PathLensError(
        'upstream_error',
        `${where} refused the key (${status}: ${upstreamMessage}); set CHAT_API_KEY to a key it accepts.`,
        details,
        { cause: error },
      );
    }
    if (status === 404) {
      return new PathLensError(
        'upstream_error',
        `${where} has no model "${upstream.model}" or no /chat/completions (404: ${upstreamMessage}); check CHAT_UPSTREAM_MODEL and that CHAT_BASE_URL ends in /v1.`,
        details,
        { cause: error },
      );
    }
    const what = status === undefined ? 'sent an error in its stream' : `answered ${status}`;
    return new PathLensError('upstream_error', `${where} ${what}: ${upstreamMessage}`, details, { cause: error });
  }
  return new PathLensError(
    'upstream_error',
    `Talking to ${where} failed: ${error instanceof Error ? error.message : String(error)}`,
    { upstreamBaseUrl: upstream.baseUrl },
    { cause: error },
  );
}
