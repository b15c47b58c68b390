import sharp from 'sharp';
import { PathLensError } from '@pathlens/core';
import type { RgbPixels } from './image-encoder.ts';

/** Largest image accepted as a library picture or query (pixels); slides go through a SlideReader instead. */
const maxImagePixels = 100_000_000;

/**
 * Decode PNG/JPEG/TIFF/WebP bytes into RGB pixels (alpha flattened onto white). Anything
 * that is not an image fails with `unsupported_format`.
 */
export async function decodeImage(bytes: Uint8Array): Promise<RgbPixels & { format: string }> {
  try {
    const image = sharp(bytes, { limitInputPixels: maxImagePixels });
    const { format } = await image.metadata();
    const { data, info } = await image
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { data, widthPx: info.width, heightPx: info.height, format };
  } catch (error) {
    throw new PathLensError(
      'unsupported_format',
      `Not a readable image (${(error as Error).message}). Send PNG, JPEG, TIFF or WebP bytes.`,
      {},
      { cause: error },
    );
  }
}
