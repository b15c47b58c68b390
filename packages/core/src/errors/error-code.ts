/**
 * Every failure PathLens reports has one of these codes. The HTTP status for each code is
 * decided in one place (`apps/server/src/http/error-status.ts`), complete at compile time.
 */
export const errorCodes = [
  'invalid_request',
  'invalid_config',
  'not_found',
  'slide_not_found',
  'path_not_allowed',
  'label_image_disabled',
  'unsupported_format',
  'corrupt_file',
  'missing_mpp',
  'implausible_mpp',
  'slide_too_large',
  'payload_too_large',
  'model_not_found',
  'model_download_failed',
  'queue_full',
  'database_locked',
  'slide_not_ready',
  'label_set_not_found',
  'server_starting',
  'upstream_error',
  'report_generation_failed',
  'forbidden',
  'model_mismatch',
  'unauthorized',
  'rate_limited',
  'unsupported_media_type',
  'fetch_not_allowed',
  'fetch_failed',
  'internal_error',
] as const;

export type ErrorCode = (typeof errorCodes)[number];
