import { PathLensError } from '@pathlens/core';

/**
 * Size guards applied when a slide is opened. sharp's own pixel limit must be off for slides
 * (a 100k² scan is 10 GP), so these replace it.
 */
export interface SlideSizeLimits {
  /** Largest width or height, in pixels, a file may declare for any of its images. */
  maxSideLengthPx: number;
  /**
   * Most pixels decoded at once: a whole PNG/JPEG (these are decoded into memory, 3 bytes a
   * pixel), one region, one associated image.
   */
  maxDecodedPixels: number;
}

export const defaultSlideSizeLimits: SlideSizeLimits = {
  maxSideLengthPx: 200_000,
  maxDecodedPixels: 100_000_000,
};

export function checkDeclaredSize(
  filePath: string,
  widthPx: number,
  heightPx: number,
  limits: SlideSizeLimits,
  what = 'image',
): void {
  if (widthPx > limits.maxSideLengthPx || heightPx > limits.maxSideLengthPx) {
    throw new PathLensError(
      'slide_too_large',
      `${filePath} declares a ${widthPx}×${heightPx} px ${what}, over the ${limits.maxSideLengthPx} px per side limit. ` +
        'If the file is genuine, raise maxSideLengthPx.',
      { path: filePath, widthPx, heightPx, maxSideLengthPx: limits.maxSideLengthPx },
    );
  }
}

export function checkDecodedSize(filePath: string, widthPx: number, heightPx: number, limits: SlideSizeLimits): void {
  if (widthPx * heightPx > limits.maxDecodedPixels) {
    throw new PathLensError(
      'slide_too_large',
      `${filePath} is a ${widthPx}×${heightPx} px untiled image, over the ${limits.maxDecodedPixels}-pixel limit for images decoded whole. ` +
        'Convert it to a tiled pyramidal TIFF (`vips tiffsave in out.tif --tile --pyramid --compression jpeg`) or raise maxDecodedPixels.',
      { path: filePath, widthPx, heightPx, maxDecodedPixels: limits.maxDecodedPixels },
    );
  }
}
