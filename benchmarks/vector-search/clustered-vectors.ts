import { SeededRandom } from './seeded-random.ts';

/** The shape of the synthetic embedding collection; every field is recorded with the results. */
export interface ClusteredDataShape {
  /** Vector length (PathLens stores 512-d embeddings). */
  dimensions: number;
  /** Number of Gaussian clusters ("kinds of tissue region"). */
  clusterCount: number;
  /** Clusters are grouped under this many parent directions ("organs / stains"). */
  groupCount: number;
  /** Each cluster varies mostly inside a random subspace of this many dimensions. */
  localRank: number;
  /** Cluster spread: the noise norm relative to the centre, drawn log-uniformly from this range. */
  spreadRange: [number, number];
  /** Standard deviation of the log-normal cluster weights (0: equal sizes). */
  clusterSizeSigma: number;
  seed: number;
}

export const defaultDataShape: ClusteredDataShape = {
  dimensions: 512,
  clusterCount: 300,
  groupCount: 20,
  localRank: 24,
  spreadRange: [0.4, 1.2],
  clusterSizeSigma: 1,
  seed: 20240611,
};

// Weights of the shared direction, the group direction and the cluster's own direction in
// a cluster centre. Image embeddings of one encoder sit in a narrow cone (CLIP's are
// anisotropic); with these weights two clusters of different groups have cosine ≈ 0.38,
// two of the same group ≈ 0.62.
const sharedWeight = 0.75;
const groupWeight = 0.6;
const ownWeight = 0.75;
// Fraction of a point's noise variance inside its cluster's subspace; the rest is isotropic.
const subspaceVarianceFraction = 0.8;

/**
 * Seeded, clustered, L2-normalised vectors on the unit sphere that look like image
 * embeddings: a shared mean direction, groups of clusters, clusters of very different sizes
 * and spreads, points varying mostly along a few directions per cluster. Data and queries
 * come from separate random streams of the same distribution, so a query lies near data
 * points but never on one.
 */
export class ClusteredVectorSource {
  readonly shape: ClusteredDataShape;
  private readonly centres: Float32Array;
  private readonly bases: Float32Array;
  private readonly spreads: Float64Array;
  private readonly cumulativeWeights: Float64Array;
  private readonly dataRandom: SeededRandom;
  private readonly queryRandom: SeededRandom;
  private readonly coefficients: Float64Array;

  constructor(shape: ClusteredDataShape = defaultDataShape) {
    this.shape = shape;
    const { dimensions, clusterCount, groupCount, localRank } = shape;
    const modelRandom = new SeededRandom(shape.seed);
    const unitVector = (): Float64Array =>
      normaliseInPlace(Float64Array.from({ length: dimensions }, () => modelRandom.nextNormal()));
    const shared = unitVector();
    const groups = Array.from({ length: groupCount }, unitVector);
    this.centres = new Float32Array(clusterCount * dimensions);
    this.bases = new Float32Array(clusterCount * localRank * dimensions);
    this.spreads = new Float64Array(clusterCount);
    this.cumulativeWeights = new Float64Array(clusterCount);
    const [spreadLow, spreadHigh] = shape.spreadRange;
    let weightTotal = 0;
    for (let cluster = 0; cluster < clusterCount; cluster += 1) {
      const group = groups[cluster % groupCount]!;
      const own = unitVector();
      const centre = new Float64Array(dimensions);
      for (let index = 0; index < dimensions; index += 1) {
        centre[index] = sharedWeight * shared[index]! + groupWeight * group[index]! + ownWeight * own[index]!;
      }
      this.centres.set(normaliseInPlace(centre), cluster * dimensions);
      for (let direction = 0; direction < localRank; direction += 1) {
        this.bases.set(unitVector(), (cluster * localRank + direction) * dimensions);
      }
      this.spreads[cluster] = spreadLow * Math.pow(spreadHigh / spreadLow, modelRandom.nextUniform());
      weightTotal += Math.exp(shape.clusterSizeSigma * modelRandom.nextNormal());
      this.cumulativeWeights[cluster] = weightTotal;
    }
    for (let cluster = 0; cluster < clusterCount; cluster += 1) this.cumulativeWeights[cluster]! /= weightTotal;
    this.dataRandom = new SeededRandom(shape.seed + 1);
    this.queryRandom = new SeededRandom(shape.seed + 2);
    this.coefficients = new Float64Array(localRank);
  }

  /** The next `rows` data vectors, row-major `rows × dimensions`. Deterministic for a seed, whatever the chunking. */
  nextDataChunk(rows: number): Float32Array {
    return this.sample(this.dataRandom, rows);
  }

  /** `count` query vectors from an independent stream of the same distribution. */
  nextQueries(count: number): Float32Array {
    return this.sample(this.queryRandom, count);
  }

  private sample(random: SeededRandom, rows: number): Float32Array {
    const { dimensions, localRank } = this.shape;
    const output = new Float32Array(rows * dimensions);
    const point = new Float64Array(dimensions);
    const subspaceScale = Math.sqrt(subspaceVarianceFraction / localRank);
    const isotropicScale = Math.sqrt((1 - subspaceVarianceFraction) / dimensions);
    for (let row = 0; row < rows; row += 1) {
      const cluster = this.pickCluster(random.nextUniform());
      const spread = this.spreads[cluster]!;
      const centreOffset = cluster * dimensions;
      for (let index = 0; index < dimensions; index += 1) {
        point[index] = this.centres[centreOffset + index]! + spread * isotropicScale * random.nextNormal();
      }
      for (let direction = 0; direction < localRank; direction += 1)
        this.coefficients[direction] = spread * subspaceScale * random.nextNormal();
      for (let direction = 0; direction < localRank; direction += 1) {
        const coefficient = this.coefficients[direction]!;
        const basisOffset = (cluster * localRank + direction) * dimensions;
        for (let index = 0; index < dimensions; index += 1)
          point[index]! += coefficient * this.bases[basisOffset + index]!;
      }
      output.set(normaliseInPlace(point), row * dimensions);
    }
    return output;
  }

  private pickCluster(uniform: number): number {
    let low = 0;
    let high = this.cumulativeWeights.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.cumulativeWeights[middle]! < uniform) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

function normaliseInPlace(vector: Float64Array): Float64Array {
  let sumOfSquares = 0;
  for (let index = 0; index < vector.length; index += 1) sumOfSquares += vector[index]! * vector[index]!;
  const scale = 1 / Math.sqrt(sumOfSquares);
  for (let index = 0; index < vector.length; index += 1) vector[index]! *= scale;
  return vector;
}
