/**
 * Otsu's threshold of 8-bit values: the level t that best splits them into two classes
 * (maximum between-class variance); values above t form the brighter class. Returns 0 when
 * all values are equal (there is nothing to split).
 *
 * @example
 * otsuThreshold(Uint8Array.from([10, 12, 11, 200, 210])); // somewhere in 12…199
 */
export function otsuThreshold(values: Uint8Array): number {
  const histogram = new Float64Array(256);
  for (let index = 0; index < values.length; index++) histogram[values[index]!]!++;
  const total = values.length;
  let weightedSumAll = 0;
  for (let level = 0; level < 256; level++) weightedSumAll += level * histogram[level]!;

  let weightBelow = 0;
  let weightedSumBelow = 0;
  let bestVariance = -1;
  let bestLevel = 0;
  for (let level = 0; level < 256; level++) {
    weightBelow += histogram[level]!;
    if (weightBelow === 0) continue;
    const weightAbove = total - weightBelow;
    if (weightAbove === 0) break;
    weightedSumBelow += level * histogram[level]!;
    const meanBelow = weightedSumBelow / weightBelow;
    const meanAbove = (weightedSumAll - weightedSumBelow) / weightAbove;
    const variance = weightBelow * weightAbove * (meanBelow - meanAbove) ** 2;
    if (variance > bestVariance) {
      bestVariance = variance;
      bestLevel = level;
    }
  }
  return bestLevel;
}
