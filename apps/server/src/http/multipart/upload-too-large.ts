import { PathLensError } from '@pathlens/core';

const megabytes = (bytes: number) => Math.round((bytes / 1_048_576) * 10) / 10;

/** 413 for an upload over MAX_UPLOAD_MEGABYTES, saying how to get a bigger slide in. */
export const uploadTooLarge = (limitBytes: number) =>
  new PathLensError(
    'payload_too_large',
    `The upload is over ${megabytes(limitBytes)} MB (MAX_UPLOAD_MEGABYTES); raise it, or ingest by path (SLIDE_DIRS).`,
    { limitBytes },
  );
