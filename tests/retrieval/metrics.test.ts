import { describe, expect, it } from 'vitest';
import { classificationMetrics, retrievalMetrics, softmax } from '@pathlens/retrieval';
import { normalise } from '../helpers/vectors.ts';

describe('evaluation metrics', () => {
  it('computes accuracy, balanced accuracy, weighted F1 and the confusion matrix', () => {
    // truth: A A A A B B C; predictions: A A A B B C C
    const metrics = classificationMetrics(
      ['A', 'A', 'A', 'A', 'B', 'B', 'C'],
      ['A', 'A', 'A', 'B', 'B', 'C', 'C'],
      ['A', 'B', 'C'],
    );
    expect(metrics.confusionMatrix).toEqual([
      [3, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    expect(metrics.accuracy).toBeCloseTo(5 / 7, 10);
    // recalls 3/4, 1/2, 1
    expect(metrics.balancedAccuracy).toBeCloseTo((0.75 + 0.5 + 1) / 3, 10);
    // F1: A = 2·1·0.75/1.75, B = 0.5, C = 2·0.5·1/1.5; weights 4, 2, 1
    const f1 = [(2 * 0.75) / 1.75, 0.5, 1 / 1.5];
    expect(metrics.weightedF1).toBeCloseTo((4 * f1[0]! + 2 * f1[1]! + f1[2]!) / 7, 10);
    expect(metrics.perClass.map((entry) => entry.support)).toEqual([4, 2, 1]);
  });

  it('leaves classes absent from the truth out of balanced accuracy', () => {
    const metrics = classificationMetrics(['A', 'B'], ['A', 'A'], ['A', 'B', 'C']);
    expect(metrics.balancedAccuracy).toBeCloseTo(0.5, 10);
    expect(metrics.perClass[2]).toMatchObject({ support: 0, precision: 0, recall: 0 });
    expect(() => classificationMetrics(['A'], ['Z'], ['A', 'B'])).toThrow(/"Z" is not one of A, B/);
  });

  it('ranks the true pair in both directions: Recall@K and median rank', () => {
    // 6 images on their own axes; captions 0–3 on their image's axis; captions 4 and 5 lean
    // more towards each other's image: each ranks second in both directions.
    const axis = (index: number) => Array.from({ length: 8 }, (_, dimension) => (dimension === index ? 1 : 0));
    const mix = (major: number, minor: number, weight: number) =>
      normalise(axis(major).map((value, dimension) => value + weight * axis(minor)[dimension]!));
    const images = Array.from({ length: 6 }, (_, index) => axis(index));
    const captions = [axis(0), axis(1), axis(2), axis(3), mix(5, 4, 0.5), mix(4, 5, 0.7)];
    const metrics = retrievalMetrics(images, captions, [1, 2, 5]);
    expect(metrics.count).toBe(6);
    for (const direction of [metrics.imageToText, metrics.textToImage]) {
      expect(direction.recallAt[1]).toBeCloseTo(4 / 6, 10);
      expect(direction.recallAt[2]).toBe(1);
      expect(direction.medianRank).toBe(1);
      expect(direction.meanRank).toBeCloseTo(8 / 6, 10);
    }
    expect(() => retrievalMetrics(images, captions.slice(1))).toThrow(/as many captions as images/);
  });

  it('softmax is stable and sums to one', () => {
    const probabilities = softmax([1000, 1001, 999]);
    expect(probabilities.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 12);
    expect(probabilities[1]).toBeGreaterThan(probabilities[0]!);
  });
});
