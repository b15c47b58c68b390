import { readFile } from 'node:fs/promises';
import { decodeImage, type RgbPixels } from '@pathlens/encoders';
import type { ImageReference } from './image-reference.ts';

/** Decode an evaluation image; `unsupported_format` when the bytes are not an image. */
export async function loadImage(reference: ImageReference): Promise<RgbPixels> {
  return decodeImage('file' in reference ? await readFile(reference.file) : reference.dataUrlBytes);
}

/** A short name for reports: the file path, or `data URL`. */
export function describeImageReference(reference: ImageReference): string {
  return 'file' in reference ? reference.file : 'data URL';
}
