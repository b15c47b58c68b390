import { describe, expect, it } from 'vitest';
import { computePrototypes } from '@pathlens/ingest';
import { unitVectorNear } from '../helpers/vectors.ts';

/** Patches in three kinds of region (embeddings near axes 0, 1, 2), 60 / 30 / 10 of them. */
function threeRegions() {
  const sizes = [60, 30, 10];
  return sizes.flatMap((count, axis) =>
    Array.from({ length: count }, (_, index) => ({
      id: axis * 1000 + index,
      embedding: unitVectorNear(axis, axis * 1000 + index + 1),
    })),
  );
}

describe('slide prototypes (k-means over patch embeddings)', () => {
  it('picks k = min(12, round(√n)), weights summing to 1, largest cluster first, three representatives each from the cluster', () => {
    const patches = threeRegions();
    const prototypes = computePrototypes(patches);
    expect(prototypes).toHaveLength(10); // round(√100)
    expect(prototypes.map((prototype) => prototype.clusterIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(prototypes.reduce((sum, prototype) => sum + prototype.weight, 0)).toBeCloseTo(1, 10);
    const weights = prototypes.map((prototype) => prototype.weight);
    expect(weights).toEqual([...weights].sort((left, right) => right - left));
    const byId = new Map(patches.map((patch) => [patch.id, patch]));
    for (const prototype of prototypes) {
      expect(Math.hypot(...prototype.embedding)).toBeCloseTo(1, 6);
      expect(prototype.representativePatchIds.length).toBeLessThanOrEqual(3);
      expect(prototype.representativePatchIds.length).toBeGreaterThanOrEqual(1);
      // A representative is a patch of the region its prototype points to.
      const region = prototype.embedding.indexOf(Math.max(...prototype.embedding));
      for (const id of prototype.representativePatchIds) {
        expect(byId.has(id)).toBe(true);
        expect(Math.floor(id / 1000)).toBe(region);
      }
    }
    // The regions' shares survive the over-splitting: 60 % / 30 % / 10 %.
    const share = (axis: number) =>
      prototypes
        .filter((prototype) => prototype.embedding.indexOf(Math.max(...prototype.embedding)) === axis)
        .reduce((sum, prototype) => sum + prototype.weight, 0);
    expect([share(0), share(1), share(2)].map((value) => Math.round(value * 100))).toEqual([60, 30, 10]);
  });

  it('finds the regions themselves when k matches them, and is deterministic', () => {
    const patches = threeRegions();
    const first = computePrototypes(patches, { maxClusters: 3 });
    expect(first.map((prototype) => Math.round(prototype.weight * 100))).toEqual([60, 30, 10]);
    expect(first.map((prototype) => prototype.embedding.indexOf(Math.max(...prototype.embedding)))).toEqual([0, 1, 2]);
    expect(computePrototypes(patches, { maxClusters: 3 })).toEqual(first);
  });

  it('caps k at 12, and at the number of distinct embeddings', () => {
    const many = Array.from({ length: 400 }, (_, index) => ({
      id: index,
      embedding: unitVectorNear(index % 40, index + 1),
    }));
    expect(computePrototypes(many)).toHaveLength(12);
    const twoDistinct = Array.from({ length: 50 }, (_, index) => ({
      id: index,
      embedding: unitVectorNear(index % 2, (index % 2) + 1),
    }));
    const prototypes = computePrototypes(twoDistinct);
    expect(prototypes).toHaveLength(2);
    expect(prototypes.map((prototype) => prototype.weight)).toEqual([0.5, 0.5]);
    expect(computePrototypes([{ id: 7, embedding: unitVectorNear(3, 1) }])).toEqual([
      expect.objectContaining({ clusterIndex: 0, weight: 1, representativePatchIds: [7] }),
    ]);
    expect(computePrototypes([])).toEqual([]);
  });
});
