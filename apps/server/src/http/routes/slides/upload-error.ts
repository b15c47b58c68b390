import { PathLensError } from '@pathlens/core';

/**
 * An error about an uploaded file as its sender should read it: the server's copy
 * (`<DATA_DIR>/uploads/<sha256>.svs`) is named by the file name the sender gave, in the
 * message and in the details. Other errors pass unchanged.
 */
export function namedForUploader(error: unknown, internalPath: string, fileName: string): unknown {
  if (!(error instanceof PathLensError)) return error;
  const rename = (text: string) => text.split(internalPath).join(fileName);
  const details = Object.fromEntries(
    Object.entries(error.details).map(([key, value]) => [key, typeof value === 'string' ? rename(value) : value]),
  );
  return new PathLensError(error.code, rename(error.message), details, { cause: error.cause });
}
