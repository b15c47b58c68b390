import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { PathLensError, quotePrefix } from '@pathlens/core';

/**
 * The real path of a file the server may ingest: it must resolve, after `..` and symlinks,
 * to a file inside one of SLIDE_DIRS (themselves resolved). Anything else is refused.
 */
export async function allowedSlidePath(requestedPath: string, slideDirs: string[]): Promise<string> {
  if (slideDirs.length === 0) {
    throw new PathLensError(
      'path_not_allowed',
      'Ingesting files by server path is off: set SLIDE_DIRS to a comma-separated list of directories the server may read, or upload the file instead.',
      { param: 'path' },
    );
  }
  const allowedRoots = (await Promise.all(slideDirs.map((directory) => realpath(directory).catch(() => null)))).filter(
    (root): root is string => root !== null,
  );
  const resolved = await realpath(path.resolve(requestedPath)).catch(() => null);
  const inside =
    resolved !== null &&
    allowedRoots.some((root) => resolved.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
  if (!inside) {
    throw new PathLensError(
      'path_not_allowed',
      `Path ${quotePrefix(requestedPath, 200)} is not a file inside SLIDE_DIRS (${slideDirs.join(', ')}). Move the file there or add its directory to SLIDE_DIRS.`,
      { param: 'path' },
    );
  }
  return resolved;
}
