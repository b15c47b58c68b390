/**
 * A scale bar for the current zoom: the longest "nice" length (1, 2 or 5 × 10ⁿ µm) that fits in
 * `maxLengthPx` screen pixels, labelled in µm below 1 mm and in mm above.
 *
 * @example
 * scaleBar(0.5, 150) // { lengthPx: 100, label: '50 µm' }
 */
export function scaleBar(umPerScreenPixel: number, maxLengthPx = 150): { lengthPx: number; label: string } | null {
  if (!(umPerScreenPixel > 0) || !Number.isFinite(umPerScreenPixel)) return null;
  const maxUm = umPerScreenPixel * maxLengthPx;
  const power = 10 ** Math.floor(Math.log10(maxUm));
  const lengthUm = [5, 2, 1].map((step) => step * power).find((candidate) => candidate <= maxUm) ?? power;
  const label = lengthUm >= 1000 ? `${formatNumber(lengthUm / 1000)} mm` : `${formatNumber(lengthUm)} µm`;
  return { lengthPx: lengthUm / umPerScreenPixel, label };
}

const formatNumber = (value: number) => (value >= 1 ? String(Math.round(value)) : String(Number(value.toPrecision(1))));
