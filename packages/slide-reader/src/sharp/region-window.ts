/**
 * A requested rectangle split into the part inside the image (to extract) and the white
 * margins around it (to pad), all in pixels of one level.
 */
export interface RegionWindow {
  /** Part of the request inside the image; null when the request misses the image entirely. */
  inside: { left: number; top: number; width: number; height: number } | null;
  /** White pixels to add on each side of `inside` to reach the requested size. */
  padding: { top: number; bottom: number; left: number; right: number };
}

/**
 * `x`/`y` may be negative or past the edge; `width`/`height` are the requested output size.
 * All in pixels of the level whose size is `imageWidthPx × imageHeightPx`.
 */
export function regionWindow(
  request: { x: number; y: number; width: number; height: number },
  imageWidthPx: number,
  imageHeightPx: number,
): RegionWindow {
  const left = Math.max(0, request.x);
  const top = Math.max(0, request.y);
  const right = Math.min(imageWidthPx, request.x + request.width);
  const bottom = Math.min(imageHeightPx, request.y + request.height);
  if (right <= left || bottom <= top) {
    return { inside: null, padding: { top: request.height, bottom: 0, left: request.width, right: 0 } };
  }
  return {
    inside: { left, top, width: right - left, height: bottom - top },
    padding: {
      top: top - request.y,
      bottom: request.y + request.height - bottom,
      left: left - request.x,
      right: request.x + request.width - right,
    },
  };
}
