import { cosineSimilarity } from '../zero-shot/classify-embeddings.ts';

/** Recall@K and ranks for one direction: each query's one correct answer is its own pair. */
export interface DirectionMetrics {
  /** K → share of queries whose correct answer ranks within the top K (0–1). */
  recallAt: Record<number, number>;
  /** Median rank of the correct answer (1 = first). */
  medianRank: number;
  meanRank: number;
}

export interface RetrievalMetrics {
  /** Pairs evaluated (queries per direction). */
  count: number;
  /** Each image queries all captions. */
  imageToText: DirectionMetrics;
  /** Each caption queries all images. */
  textToImage: DirectionMetrics;
}

export const defaultRecallCutoffs = [1, 5, 10, 50] as const;

/**
 * Cross-modal retrieval metrics as PLIP, QuiltNet and CONCH report them: image i's correct
 * caption is caption i and vice versa. The correct answer's rank is 1 + the number of
 * candidates scored strictly higher (ties resolve in its favour). Computed in memory from
 * L2-normalised embeddings: O(n²) dot products.
 *
 * @example
 * const metrics = retrievalMetrics(imageEmbeddings, captionEmbeddings);
 * metrics.imageToText.recallAt[10];
 */
export function retrievalMetrics(
  imageEmbeddings: readonly ArrayLike<number>[],
  textEmbeddings: readonly ArrayLike<number>[],
  cutoffs: readonly number[] = defaultRecallCutoffs,
): RetrievalMetrics {
  const count = imageEmbeddings.length;
  if (count === 0 || count !== textEmbeddings.length)
    throw new Error(
      `retrievalMetrics needs as many captions as images (at least one); got ${count} images and ${textEmbeddings.length} captions`,
    );
  const similarity = imageEmbeddings.map((image) => textEmbeddings.map((text) => cosineSimilarity(image, text)));
  const imageRanks: number[] = [];
  const textRanks: number[] = [];
  for (let query = 0; query < count; query++) {
    const correctForImage = similarity[query]![query]!;
    let imageRank = 1;
    let textRank = 1;
    for (let candidate = 0; candidate < count; candidate++) {
      if (similarity[query]![candidate]! > correctForImage) imageRank++;
      if (similarity[candidate]![query]! > correctForImage) textRank++;
    }
    imageRanks.push(imageRank);
    textRanks.push(textRank);
  }
  return {
    count,
    imageToText: directionMetrics(imageRanks, cutoffs),
    textToImage: directionMetrics(textRanks, cutoffs),
  };
}

function directionMetrics(ranks: number[], cutoffs: readonly number[]): DirectionMetrics {
  const sorted = [...ranks].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  const medianRank = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return {
    recallAt: Object.fromEntries(
      cutoffs.map((cutoff) => [cutoff, ranks.filter((rank) => rank <= cutoff).length / ranks.length]),
    ),
    medianRank,
    meanRank: ranks.reduce((sum, rank) => sum + rank, 0) / ranks.length,
  };
}
