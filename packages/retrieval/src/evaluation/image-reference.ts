import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where an evaluation image lives: a file on disk or the bytes of a data URL. */
export type ImageReference = { file: string } | { dataUrlBytes: Buffer };

/**
 * Resolve an image reference from a data file: a data URL, a `file://` URL, an absolute
 * path, or a path relative to the data file's folder. Returns a reason instead when it cannot
 * be read here (http URLs: evaluation runs offline, download the images first).
 */
export async function resolveImageReference(
  value: string,
  baseDirectory: string,
): Promise<ImageReference | { reason: string }> {
  if (value.startsWith('data:')) {
    const comma = value.indexOf(',');
    if (comma < 0 || !value.slice(0, comma).endsWith(';base64'))
      return { reason: 'a data URL must be base64 (data:image/png;base64,…)' };
    return { dataUrlBytes: Buffer.from(value.slice(comma + 1), 'base64') };
  }
  if (/^https?:\/\//i.test(value))
    return { reason: `${value} is a web address; evaluation reads local files only, so download the images first` };
  const file = value.startsWith('file://') ? fileURLToPath(value) : path.resolve(baseDirectory, value);
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return { reason: `no image file at ${file}` };
  return { file };
}
