/**
 * A small deterministic pseudo-random source (mulberry32), so generated weights are the
 * same bytes on every run and every machine. Not for anything security-related.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  nextUniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let value = this.state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller). */
  nextGaussian(): number {
    const radius = Math.sqrt(-2 * Math.log(1 - this.nextUniform()));
    return radius * Math.cos(2 * Math.PI * this.nextUniform());
  }

  /** `count` values from N(0, standardDeviation²). */
  gaussianArray(count: number, standardDeviation = 1): Float32Array {
    const values = new Float32Array(count);
    for (let index = 0; index < count; index += 1) values[index] = this.nextGaussian() * standardDeviation;
    return values;
  }

  /**
   * `count` orthonormal vectors of length `dimension` (Gram–Schmidt on Gaussian draws, in
   * float64), as rows of a `[count, dimension]` array. Requires count ≤ dimension.
   */
  orthonormalRows(count: number, dimension: number): Float64Array[] {
    const rows: Float64Array[] = [];
    while (rows.length < count) {
      const candidate = Float64Array.from({ length: dimension }, () => this.nextGaussian());
      for (const row of rows) {
        const projection = dot(candidate, row);
        for (let index = 0; index < dimension; index += 1) candidate[index]! -= projection * row[index]!;
      }
      const norm = Math.sqrt(dot(candidate, candidate));
      if (norm < 1e-6) continue;
      for (let index = 0; index < dimension; index += 1) candidate[index]! /= norm;
      rows.push(candidate);
    }
    return rows;
  }
}

function dot(left: Float64Array, right: Float64Array): number {
  let sum = 0;
  for (let index = 0; index < left.length; index += 1) sum += left[index]! * right[index]!;
  return sum;
}
