/**
 * Level-0 pixel sizes a microscope scan can have, in µm. Outside this range a resolution tag
 * is a default written by a non-microscopy tool (72 dpi = 353 µm; libvips writes 1 px/mm =
 * 1000 µm), so it is ignored rather than trusted.
 */
export const plausibleMppRange = { min: 0.01, max: 20 } as const;

const micrometresPerUnit = { inch: 25_400, centimeter: 10_000 } as const;

/**
 * µm per pixel from a pixels-per-unit resolution (TIFF XResolution, PNG pHYs, JPEG density),
 * or null when the unit is unknown or the result is not a plausible microscope resolution.
 */
export function mppFromResolution(
  pixelsPerUnit: number | null | undefined,
  unit: 'inch' | 'centimeter' | 'none',
): number | null {
  if (!pixelsPerUnit || unit === 'none' || !Number.isFinite(pixelsPerUnit) || pixelsPerUnit <= 0) return null;
  const mpp = micrometresPerUnit[unit] / pixelsPerUnit;
  return isPlausibleMpp(mpp) ? mpp : null;
}

export function isPlausibleMpp(mpp: number | null | undefined): mpp is number {
  return (
    typeof mpp === 'number' && Number.isFinite(mpp) && mpp >= plausibleMppRange.min && mpp <= plausibleMppRange.max
  );
}
