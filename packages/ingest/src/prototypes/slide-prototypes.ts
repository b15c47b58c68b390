import { kmeans } from 'ml-kmeans';
import type { NewPrototype } from '@pathlens/store';

export interface PrototypeSettings {
  /** Most clusters; a slide gets min(this, ~√patches, distinct embeddings). Default 12. */
  maxClusters: number;
  /** Patches kept per cluster, nearest its centre first. Default 3. */
  representativesPerCluster: number;
  /** Seed of the k-means++ start: the same patches give the same prototypes. Default 1. */
  seed: number;
}

export const defaultPrototypeSettings: PrototypeSettings = { maxClusters: 12, representativesPerCluster: 3, seed: 1 };

/** A patch to cluster: its id and its L2-normalised embedding. */
export interface EmbeddedPatch {
  id: number;
  embedding: ArrayLike<number>;
}

/**
 * k-means prototypes of a slide's patch embeddings: a few characteristic kinds of region
 * instead of thousands of near-duplicates. k = min(maxClusters, round(√n), distinct
 * embeddings), seeded k-means++ (ml-kmeans) on the unit vectors; each prototype keeps its
 * L2-normalised centre, its share of the patches (weights sum to 1) and the patches most
 * similar to its centre among its members. Cluster 0 is the largest.
 *
 * @example
 * const prototypes = computePrototypes(await store.prototypes.patchesToCluster(slide.id, 10_000));
 * await store.prototypes.replaceForSlide(slide.id, prototypes);
 */
export function computePrototypes(patches: EmbeddedPatch[], settings: Partial<PrototypeSettings> = {}): NewPrototype[] {
  const { maxClusters, representativesPerCluster, seed } = { ...defaultPrototypeSettings, ...settings };
  if (patches.length === 0) return [];
  const points = patches.map((patch) => Array.from(patch.embedding));
  const clusterCount = Math.max(1, Math.min(maxClusters, Math.round(Math.sqrt(points.length)), distinctCount(points)));
  const assignments =
    clusterCount === 1
      ? new Array<number>(points.length).fill(0)
      : kmeans(points, clusterCount, { initialization: 'kmeans++', seed, maxIterations: 100 }).clusters;

  const members = Array.from({ length: clusterCount }, () => [] as number[]);
  assignments.forEach((cluster, index) => members[cluster]!.push(index));
  const clusters = members
    .filter((indices) => indices.length > 0)
    .map((indices) => {
      const centre = normalise(mean(indices.map((index) => points[index]!)));
      const nearest = indices
        .map((index) => ({ id: patches[index]!.id, similarity: dot(points[index]!, centre) }))
        .sort((left, right) => right.similarity - left.similarity || left.id - right.id)
        .slice(0, representativesPerCluster);
      return { centre, size: indices.length, representativePatchIds: nearest.map((entry) => entry.id) };
    })
    .sort(
      (left, right) => right.size - left.size || left.representativePatchIds[0]! - right.representativePatchIds[0]!,
    );
  return clusters.map((cluster, clusterIndex) => ({
    clusterIndex,
    weight: cluster.size / points.length,
    embedding: cluster.centre,
    representativePatchIds: cluster.representativePatchIds,
  }));
}

/** Distinct vectors (k-means++ cannot seed more centres than that), compared by their float32 bytes (as stored). */
function distinctCount(points: number[][]): number {
  return new Set(points.map((point) => Buffer.from(Float32Array.from(point).buffer).toString('latin1'))).size;
}

function mean(vectors: number[][]): number[] {
  const sum = new Array<number>(vectors[0]!.length).fill(0);
  for (const vector of vectors) for (let index = 0; index < sum.length; index++) sum[index]! += vector[index]!;
  return sum.map((value) => value / vectors.length);
}

function normalise(vector: number[]): number[] {
  const length = Math.sqrt(dot(vector, vector)) || 1;
  return vector.map((value) => value / length);
}

function dot(left: number[], right: number[]): number {
  let total = 0;
  for (let index = 0; index < left.length; index++) total += left[index]! * right[index]!;
  return total;
}
