import type { BinaryImage } from './binary-morphology.ts';

interface Components {
  /** Per pixel: component number from 0, or -1 for pixels of the other value. */
  labels: Int32Array;
  sizesPx: number[];
  touchesBorder: boolean[];
}

/**
 * Connected components of the pixels equal to `value`: 8-connected for tissue (1), 4-connected
 * for background (0), the usual pairing, so a diagonal chain of tissue pixels is one piece and
 * does not split the background on either side of it.
 */
export function connectedComponents(image: BinaryImage, value: 0 | 1): Components {
  const { data, widthPx, heightPx } = image;
  const labels = new Int32Array(widthPx * heightPx).fill(-1);
  const sizesPx: number[] = [];
  const touchesBorder: boolean[] = [];
  const stack = new Int32Array(widthPx * heightPx);
  const neighbours = value === 1 ? [-1, 0, 1, 0, 0, -1, 0, 1, -1, -1, 1, -1, -1, 1, 1, 1] : [-1, 0, 1, 0, 0, -1, 0, 1];
  for (let start = 0; start < data.length; start++) {
    if (labels[start] !== -1 || (data[start] ? 1 : 0) !== value) continue;
    const label = sizesPx.length;
    let size = 0;
    let border = false;
    let top = 0;
    stack[top++] = start;
    labels[start] = label;
    while (top > 0) {
      const pixel = stack[--top]!;
      size++;
      const x = pixel % widthPx;
      const y = (pixel - x) / widthPx;
      if (x === 0 || y === 0 || x === widthPx - 1 || y === heightPx - 1) border = true;
      for (let index = 0; index < neighbours.length; index += 2) {
        const nx = x + neighbours[index]!;
        const ny = y + neighbours[index + 1]!;
        if (nx < 0 || ny < 0 || nx >= widthPx || ny >= heightPx) continue;
        const next = ny * widthPx + nx;
        if (labels[next] !== -1 || (data[next] ? 1 : 0) !== value) continue;
        labels[next] = label;
        stack[top++] = next;
      }
    }
    sizesPx.push(size);
    touchesBorder.push(border);
  }
  return { labels, sizesPx, touchesBorder };
}

/**
 * CLAM's area filters on a binary mask: holes (background enclosed by tissue) smaller than
 * `minHoleAreaPx` are filled, then tissue pieces smaller than `minTissueAreaPx` are dropped
 * (dust, debris, pen specks). Background touching the image border is never a hole.
 */
export function filterRegionsByArea(
  image: BinaryImage,
  options: { minTissueAreaPx: number; minHoleAreaPx: number },
): BinaryImage {
  const data = image.data.slice();
  const holes = connectedComponents(image, 0);
  for (let pixel = 0; pixel < data.length; pixel++) {
    const label = holes.labels[pixel]!;
    if (label >= 0 && !holes.touchesBorder[label] && holes.sizesPx[label]! < options.minHoleAreaPx) data[pixel] = 1;
  }
  const filled = { ...image, data };
  const pieces = connectedComponents(filled, 1);
  for (let pixel = 0; pixel < data.length; pixel++) {
    const label = pieces.labels[pixel]!;
    if (label >= 0 && pieces.sizesPx[label]! < options.minTissueAreaPx) data[pixel] = 0;
  }
  return filled;
}
