/** Deterministic pseudo-random numbers (mulberry32) for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function normalise(vector: number[]): number[] {
  const length = Math.hypot(...vector) || 1;
  return vector.map((value) => value / length);
}

/** A unit vector near `axis` (a one-hot direction), with a little seeded noise. */
export function unitVectorNear(axis: number, seed: number, dimension = 512, noise = 0.05): number[] {
  const random = seededRandom(seed);
  return normalise(
    Array.from({ length: dimension }, (_, index) => (index === axis ? 1 : 0) + (random() - 0.5) * noise),
  );
}

/** Cosine similarity of two equally long vectors. */
export function cosine(left: ArrayLike<number>, right: ArrayLike<number>): number {
  if (left.length !== right.length) throw new Error(`vector lengths differ: ${left.length} vs ${right.length}`);
  let dot = 0;
  let leftNorm = 0;
  let rightNorm = 0;
  for (let index = 0; index < left.length; index++) {
    dot += left[index]! * right[index]!;
    leftNorm += left[index]! ** 2;
    rightNorm += right[index]! ** 2;
  }
  return dot / Math.sqrt(leftNorm * rightNorm);
}
