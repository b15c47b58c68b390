import type { RgbImage } from './slide-reader.ts';

/**
 * Copies the overlap of `from` (placed with its top-left corner at `fromLeft`, `fromTop`) and
 * `to` (at `toLeft`, `toTop`), in one coordinate frame (pixels of one level), row by row. Pixels of
 * `to` outside the overlap are left as they are; so are those right of or below `limit` (a level's size, where
 * edge tiles carry padding past it).
 *
 * @example
 * copyPixels(tile, { left: 480, top: 240 }, region, { left: 500, top: 300 }); // the tile's part of the region
 */
export function copyPixels(
  from: RgbImage,
  fromAt: { left: number; top: number },
  to: RgbImage,
  toAt: { left: number; top: number },
  limit: { right: number; bottom: number } = { right: Infinity, bottom: Infinity },
): void {
  const left = Math.max(fromAt.left, toAt.left);
  const right = Math.min(fromAt.left + from.widthPx, toAt.left + to.widthPx, limit.right);
  const top = Math.max(fromAt.top, toAt.top);
  const bottom = Math.min(fromAt.top + from.heightPx, toAt.top + to.heightPx, limit.bottom);
  if (right <= left) return;
  const rowBytes = (right - left) * 3;
  for (let y = top; y < bottom; y++) {
    const sourceStart = ((y - fromAt.top) * from.widthPx + (left - fromAt.left)) * 3;
    from.data.copy(
      to.data,
      ((y - toAt.top) * to.widthPx + (left - toAt.left)) * 3,
      sourceStart,
      sourceStart + rowBytes,
    );
  }
}
