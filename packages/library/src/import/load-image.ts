import { open, realpath } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PathLensError, type GuardedFetch } from '@pathlens/core';
import { imageExtensions } from './readers/folder-records.ts';
import { RowRejection } from './row-rejection.ts';

/** Largest image file accepted (bytes); downloads are limited by the guarded fetcher (FETCH_MAX_MEGABYTES). */
export const largestImageBytes = 64 * 1_048_576;

export interface ImageLocation {
  /** Relative image paths resolve against this folder (the manifest's). */
  baseDir: string;
  /** Image ids (PathVQA Image_ID, ARCH uuid, PEIR id) are looked up here; null: rows with only an id are text-only. */
  imagesDir: string | null;
  /** Real paths a local image must lie inside (SLIDE_DIRS, an upload's folder); checked after `..` and symlinks. */
  allowedRoots: string[];
  /** For http(s) images: the guarded fetcher (host allowlist, public addresses only, limits). */
  fetch: GuardedFetch;
}

/** The image's bytes and where they came from (for the report). */
export interface LoadedImage {
  bytes: Uint8Array;
  origin: string;
}

/**
 * Load an image reference: a path (relative to the manifest, or absolute), a `file://` URL,
 * an `http(s)://` URL (a row fails clearly when the network is unreachable), or a base64
 * `data:` URL. Local files must lie inside `allowedRoots`.
 */
export async function loadImageReference(reference: string, location: ImageLocation): Promise<LoadedImage> {
  if (reference.startsWith('data:')) return { bytes: decodeDataUrl(reference), origin: 'data URL' };
  if (/^https?:\/\//i.test(reference)) return download(reference, location.fetch);
  if (/^file:\/\//i.test(reference)) {
    let filePath: string;
    try {
      filePath = fileURLToPath(reference);
    } catch (error) {
      throw new RowRejection(
        'unsupported_image_reference',
        `${reference} is not a usable file:// URL (${(error as Error).message})`,
      );
    }
    return readLocalImage(filePath, reference, location.allowedRoots);
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(reference)) {
    throw new RowRejection(
      'unsupported_image_reference',
      `${reference.slice(0, 80)}: only paths, file://, http(s):// and data: URLs are supported`,
    );
  }
  return readLocalImage(path.resolve(location.baseDir, reference), reference, location.allowedRoots);
}

/** Find an image by id in `imagesDir`: the id as a file name, then with each image extension (`Fig.1` → `Fig.1.jpg`).
 *
 */
export async function findImageById(
  ids: string[],
  location: ImageLocation & { imagesDir: string },
): Promise<LoadedImage> {
  for (const id of ids) {
    if (id.includes('/') || id.includes('\\') || id === '.' || id === '..') continue;
    for (const name of [id, ...imageExtensions.map((extension) => id + extension)]) {
      const loaded = await readLocalImage(path.join(location.imagesDir, name), name, location.allowedRoots).catch(
        (error: unknown) => {
          if (error instanceof RowRejection && error.code === 'image_not_found') return null;
          throw error;
        },
      );
      if (loaded) return loaded;
    }
  }
  throw new RowRejection(
    'image_not_found',
    `no image named ${ids.join(' or ')} (with ${imageExtensions.join(', ')} or none) in ${location.imagesDir}; point --images at the folder holding them, or pass --text-only`,
  );
}

async function readLocalImage(filePath: string, shownAs: string, allowedRoots: string[]): Promise<LoadedImage> {
  const resolved = await realpath(filePath).catch(() => null);
  if (resolved === null)
    throw new RowRejection('image_not_found', `image ${shownAs} not found (looked for ${filePath})`);
  if (
    !allowedRoots.some(
      (root) => resolved === root || resolved.startsWith(root.endsWith(path.sep) ? root : root + path.sep),
    )
  ) {
    throw new RowRejection(
      'image_not_allowed',
      `image ${shownAs} is outside the folders this import may read (${allowedRoots.join(', ')}); move it there or add its folder to SLIDE_DIRS`,
    );
  }
  const handle = await open(resolved, 'r').catch(() => null);
  if (handle === null) throw new RowRejection('image_not_found', `image ${shownAs} cannot be opened (${resolved})`);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new RowRejection('image_not_found', `image ${shownAs} is not a file`);
    if (info.size > largestImageBytes)
      throw new RowRejection(
        'image_too_large',
        `image ${shownAs} is ${Math.round(info.size / 1_048_576)} MB; the most is ${largestImageBytes / 1_048_576} MB (ingest whole slides with \`pathlens ingest\`)`,
      );
    return { bytes: await handle.readFile(), origin: resolved };
  } finally {
    await handle.close();
  }
}

/** Download through the guarded fetcher; why a connection failed is never told (no port scanning through imports). */
async function download(url: string, fetchImage: GuardedFetch): Promise<LoadedImage> {
  try {
    const fetched = await fetchImage(url);
    return { bytes: fetched.bytes, origin: url };
  } catch (error) {
    if (PathLensError.is(error, 'payload_too_large')) throw new RowRejection('image_too_large', error.message);
    if (PathLensError.is(error, 'fetch_not_allowed') || PathLensError.is(error, 'invalid_request')) {
      throw new RowRejection(
        'image_download_failed',
        `${error.message} Or download the images and reference them by path.`,
      );
    }
    throw new RowRejection(
      'image_download_failed',
      `could not download ${url.slice(0, 200)}; without network access, download the images and reference them by path`,
    );
  }
}

function decodeDataUrl(reference: string): Uint8Array {
  const comma = reference.indexOf(',');
  const header = reference.slice(5, comma);
  if (comma < 0 || !/;base64$/i.test(header)) {
    throw new RowRejection('unsupported_image_reference', 'a data URL image must be base64: data:image/png;base64,…');
  }
  const bytes = Buffer.from(reference.slice(comma + 1), 'base64');
  if (bytes.byteLength > largestImageBytes)
    throw new RowRejection('image_too_large', `the data URL image is over ${largestImageBytes / 1_048_576} MB`);
  return bytes;
}
