/** A binary image: one byte a pixel, 1 = set (tissue), 0 = clear; row-major. */
export interface BinaryImage {
  data: Uint8Array;
  widthPx: number;
  heightPx: number;
}

/**
 * Morphological closing (dilation, then erosion) with a `kernelSizePx` × `kernelSizePx`
 * square, as OpenCV's `morphologyEx(MORPH_CLOSE, ones((k, k)))` and CLAM use it, except that
 * the erosion uses the reflected window, so an even kernel does not shift the shape by a
 * pixel. Pixels beyond the border are ignored (they neither grow nor erode the shape). Closes
 * gaps and holes narrower than the kernel. Returns a new image.
 */
export function closeBinary(image: BinaryImage, kernelSizePx: number): BinaryImage {
  if (kernelSizePx <= 1) return { ...image, data: image.data.slice() };
  const before = Math.floor(kernelSizePx / 2);
  const after = kernelSizePx - 1 - before;
  return squareFilter(squareFilter(image, before, after, 'any'), after, before, 'all');
}

/** A pixel is set when any pixel of the `kernelSizePx` square around it (anchor at the centre) is. */
export function dilate(image: BinaryImage, kernelSizePx: number): BinaryImage {
  const before = Math.floor(kernelSizePx / 2);
  return squareFilter(image, before, kernelSizePx - 1 - before, 'any');
}

/** A pixel stays set when every pixel of the `kernelSizePx` square around it (inside the image) is. */
export function erode(image: BinaryImage, kernelSizePx: number): BinaryImage {
  const before = Math.floor(kernelSizePx / 2);
  return squareFilter(image, before, kernelSizePx - 1 - before, 'all');
}

/**
 * A separable square window from `before` pixels before to `after` pixels after each pixel: it
 * is set when any (dilate) / all (erode) pixels of its window inside the image are.
 */
function squareFilter(image: BinaryImage, before: number, after: number, mode: 'any' | 'all'): BinaryImage {
  const { widthPx, heightPx } = image;
  const rows = new Uint8Array(widthPx * heightPx);
  const line = new Uint8Array(Math.max(widthPx, heightPx));
  const result = new Uint8Array(widthPx * heightPx);
  const prefix = new Int32Array(Math.max(widthPx, heightPx) + 1);
  for (let y = 0; y < heightPx; y++) {
    filterLine(image.data, y * widthPx, 1, widthPx, before, after, mode, prefix, line);
    rows.set(line.subarray(0, widthPx), y * widthPx);
  }
  for (let x = 0; x < widthPx; x++) {
    filterLine(rows, x, widthPx, heightPx, before, after, mode, prefix, line);
    for (let y = 0; y < heightPx; y++) result[y * widthPx + x] = line[y]!;
  }
  return { data: result, widthPx, heightPx };
}

function filterLine(
  source: Uint8Array,
  start: number,
  stride: number,
  length: number,
  before: number,
  after: number,
  mode: 'any' | 'all',
  prefix: Int32Array,
  output: Uint8Array,
): void {
  prefix[0] = 0;
  for (let index = 0; index < length; index++)
    prefix[index + 1] = prefix[index]! + (source[start + index * stride] ? 1 : 0);
  for (let index = 0; index < length; index++) {
    const from = Math.max(0, index - before);
    const to = Math.min(length - 1, index + after);
    const count = prefix[to + 1]! - prefix[from]!;
    output[index] = mode === 'any' ? (count > 0 ? 1 : 0) : count === to - from + 1 ? 1 : 0;
  }
}
