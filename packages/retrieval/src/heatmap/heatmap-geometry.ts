/** Size of a slide's thumbnail that fits `maxSizePx` on its long side: the rule `SlideReader.readThumbnail` follows. */
export function thumbnailSize(
  level0: { widthPx: number; heightPx: number },
  maxSizePx: number,
): { widthPx: number; heightPx: number } {
  const scale = Math.min(1, maxSizePx / Math.max(level0.widthPx, level0.heightPx));
  return {
    widthPx: Math.max(1, Math.round(level0.widthPx * scale)),
    heightPx: Math.max(1, Math.round(level0.heightPx * scale)),
  };
}

/** A rectangle in thumbnail pixels: [left, right) × [top, bottom). */
export interface PixelRectangle {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Where a level-0 square patch falls on a thumbnail. Edges are rounded from level-0
 * coordinates, so neighbouring patches share an edge with no gap or overlap; the part of
 * an edge patch beyond the slide (padding) is clipped.
 */
export function patchRectangle(
  patch: { xLevel0: number; yLevel0: number; sizeLevel0Px: number },
  level0: { widthPx: number; heightPx: number },
  thumbnail: { widthPx: number; heightPx: number },
): PixelRectangle {
  const scaleX = thumbnail.widthPx / level0.widthPx;
  const scaleY = thumbnail.heightPx / level0.heightPx;
  const clampX = (value: number) => Math.max(0, Math.min(thumbnail.widthPx, Math.round(value * scaleX)));
  const clampY = (value: number) => Math.max(0, Math.min(thumbnail.heightPx, Math.round(value * scaleY)));
  return {
    left: clampX(patch.xLevel0),
    top: clampY(patch.yLevel0),
    right: clampX(patch.xLevel0 + patch.sizeLevel0Px),
    bottom: clampY(patch.yLevel0 + patch.sizeLevel0Px),
  };
}
