import type { ErrorCode } from '@pathlens/core';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The one place error codes become HTTP statuses; a new code fails to compile until it is mapped. */
export const errorStatus = {
  invalid_request: 400,
  invalid_config: 500,
  not_found: 404,
  slide_not_found: 404,
  path_not_allowed: 403,
  label_image_disabled: 403,
  unsupported_format: 415,
  corrupt_file: 422,
  missing_mpp: 422,
  slide_too_large: 413,
  payload_too_large: 413,
  model_not_found: 404,
  model_download_failed: 502,
  queue_full: 429,
  database_locked: 503,
  slide_not_ready: 409,
  label_set_not_found: 404,
  server_starting: 503,
  upstream_error: 502,
  report_generation_failed: 502,
  forbidden: 403,
  unauthorized: 401,
  rate_limited: 429,
  unsupported_media_type: 415,
  fetch_not_allowed: 403,
  fetch_failed: 502,
  internal_error: 500,
} as const satisfies Record<ErrorCode, ContentfulStatusCode>;
