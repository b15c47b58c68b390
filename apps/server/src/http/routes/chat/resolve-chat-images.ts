import sharp from 'sharp';
import { createGuardedFetch, PathLensError } from '@pathlens/core';
import type { MessageImage } from '@pathlens/language-model';
import type { ImageReference } from './chat-completion-request.ts';

/** Limits on the pictures of one chat request (CHAT_MAX_IMAGES, CHAT_MAX_IMAGE_MEGABYTES, …). */
export interface ChatImageLimits {
  maxImages: number;
  maxBytes: number;
  maxPixels: number;
  /** Hosts http(s) URLs may name (CHAT_IMAGE_URL_HOSTS); empty: data URLs only. */
  urlHosts: string[];
}

/**
 * Fetches an allowed http(s) picture. The guarded fetcher of packages/core/src/net (DNS-checked,
 * every redirect hop checked, size and time limits) is meant to be wired here.
 */
export type FetchImage = (url: URL, maxBytes: number) => Promise<{ bytes: Uint8Array; mediaType: string }>;

const acceptedFormats = new Map([
  ['png', 'image/png'],
  ['jpeg', 'image/jpeg'],
  ['webp', 'image/webp'],
  ['tiff', 'image/tiff'],
]);

/**
 * Turns `image_url` references into checked pictures: data URLs are decoded; http(s) URLs are
 * fetched only for allowed hosts; each must be a PNG, JPEG, WebP or TIFF within the byte and
 * pixel limits (a clear 4xx otherwise; a corrupt file is a 400).
 */
export async function resolveChatImages(
  references: ImageReference[],
  limits: ChatImageLimits,
  fetchImage: FetchImage,
): Promise<MessageImage[]> {
  if (references.length > limits.maxImages) {
    throw new PathLensError(
      'invalid_request',
      `${references.length} images were sent; at most ${limits.maxImages} per request (CHAT_MAX_IMAGES).`,
      { param: 'messages' },
    );
  }
  return Promise.all(references.map((reference, index) => resolveImage(reference.url, index + 1, limits, fetchImage)));
}

async function resolveImage(
  url: string,
  number: number,
  limits: ChatImageLimits,
  fetchImage: FetchImage,
): Promise<MessageImage> {
  const bytes = url.startsWith('data:')
    ? decodeDataUrl(url, number, limits.maxBytes)
    : await fetchAllowed(url, number, limits, fetchImage);
  if (bytes.byteLength > limits.maxBytes) throw tooLarge(number, bytes.byteLength, limits.maxBytes);
  const metadata = await sharp(bytes, { limitInputPixels: false })
    .metadata()
    .catch((error: unknown) => {
      throw new PathLensError(
        'invalid_request',
        `Image ${number} is not a readable image; send a PNG, JPEG, WebP or TIFF file.`,
        { param: 'messages' },
        { cause: error },
      );
    });
  const mediaType = acceptedFormats.get(metadata.format ?? '');
  if (!mediaType || !metadata.width || !metadata.height) {
    throw new PathLensError(
      'invalid_request',
      `Image ${number} is ${metadata.format ?? 'of an unknown format'}; send a PNG, JPEG, WebP or TIFF file.`,
      { param: 'messages' },
    );
  }
  if (metadata.width * metadata.height > limits.maxPixels) {
    throw new PathLensError(
      'payload_too_large',
      `Image ${number} is ${metadata.width}×${metadata.height} px, over the ${(limits.maxPixels / 1e6).toFixed(0)}-megapixel limit (CHAT_MAX_IMAGE_MEGAPIXELS); send a smaller field of view.`,
      { param: 'messages' },
    );
  }
  try {
    await sharp(bytes, { limitInputPixels: false }).stats(); // decodes every pixel: a truncated file fails here
  } catch (error) {
    throw new PathLensError(
      'invalid_request',
      `Image ${number} is corrupt (${(error as Error).message}); send the file again.`,
      { param: 'messages' },
      { cause: error },
    );
  }
  return { bytes, mediaType, label: '' };
}

function decodeDataUrl(url: string, number: number, maxBytes: number): Uint8Array {
  const match = /^data:([\w.+-]+\/[\w.+-]+)?(;[^,]*)?,(.*)$/s.exec(url);
  if (!match || !(match[2] ?? '').includes(';base64')) {
    throw new PathLensError(
      'invalid_request',
      `Image ${number}: only base64 data URLs are accepted (data:image/png;base64,…).`,
      { param: 'messages' },
    );
  }
  const payload = match[3]!;
  if (payload.length * 0.75 > maxBytes + 4) throw tooLarge(number, Math.floor(payload.length * 0.75), maxBytes);
  return new Uint8Array(Buffer.from(payload, 'base64'));
}

async function fetchAllowed(
  url: string,
  number: number,
  limits: ChatImageLimits,
  fetchImage: FetchImage,
): Promise<Uint8Array> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PathLensError(
      'invalid_request',
      `Image ${number}: "${url.slice(0, 80)}" is neither a data: URL nor an http(s) URL.`,
      { param: 'messages' },
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PathLensError(
      'invalid_request',
      `Image ${number}: ${parsed.protocol} URLs are not accepted; send a data: URL or an http(s) URL.`,
      { param: 'messages' },
    );
  }
  if (!limits.urlHosts.includes(parsed.hostname.toLowerCase())) {
    throw new PathLensError(
      'forbidden',
      `Image ${number}: fetching images from ${parsed.hostname} is not allowed. Send the picture as a data: URL, or add the host to CHAT_IMAGE_URL_HOSTS (none by default).`,
      { param: 'messages', setting: 'CHAT_IMAGE_URL_HOSTS' },
    );
  }
  return (await fetchImage(parsed, limits.maxBytes)).bytes;
}

function tooLarge(number: number, bytes: number, maxBytes: number): PathLensError {
  return new PathLensError(
    'payload_too_large',
    `Image ${number} is ${(bytes / 1e6).toFixed(1)} MB, over the ${(maxBytes / 1e6).toFixed(1)} MB limit (CHAT_MAX_IMAGE_MEGABYTES).`,
    { param: 'messages' },
  );
}

/**
 * Fetches an allowed picture URL through the one guarded fetcher (public addresses only, checked
 * after DNS and on every redirect; size and time limits; neutral errors).
 */
export function guardedFetchImage(options: { allowedHosts: string[]; timeoutMs: number }): FetchImage {
  return async (url, maxBytes) => {
    const fetched = await createGuardedFetch({ ...options, maxBytes })(url.href);
    return { bytes: fetched.bytes, mediaType: fetched.contentType ?? 'application/octet-stream' };
  };
}
