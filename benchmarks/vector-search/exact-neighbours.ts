/**
 * Exact k-nearest neighbours by cosine similarity (the vectors are L2-normalised, so the
 * dot product), computed in JavaScript while the data streams past: the ground truth that
 * recall is measured against, independent of the database being measured.
 */
export class ExactNeighbours {
  private readonly queries: Float32Array;
  private readonly dimensions: number;
  private readonly k: number;
  private readonly queryCount: number;
  private readonly bestScores: Float64Array[];
  private readonly bestIds: Int32Array[];

  constructor(queries: Float32Array, dimensions: number, k: number) {
    this.queries = queries;
    this.dimensions = dimensions;
    this.k = k;
    this.queryCount = queries.length / dimensions;
    this.bestScores = Array.from({ length: this.queryCount }, () => new Float64Array(k).fill(-Infinity));
    this.bestIds = Array.from({ length: this.queryCount }, () => new Int32Array(k).fill(-1));
  }

  /** Scores rows `firstId, firstId + 1, …` of `chunk` (row-major) against every query. */
  addChunk(chunk: Float32Array, firstId: number): void {
    const dimensions = this.dimensions;
    const rowCount = chunk.length / dimensions;
    const blockRows = 128; // a block of rows and all queries stay in cache together
    for (let blockStart = 0; blockStart < rowCount; blockStart += blockRows) {
      const blockEnd = Math.min(rowCount, blockStart + blockRows);
      for (let query = 0; query < this.queryCount; query += 1) {
        const queryOffset = query * dimensions;
        const scores = this.bestScores[query]!;
        for (let row = blockStart; row < blockEnd; row += 1) {
          const rowOffset = row * dimensions;
          let sum0 = 0;
          let sum1 = 0;
          let sum2 = 0;
          let sum3 = 0;
          for (let index = 0; index < dimensions; index += 4) {
            sum0 += chunk[rowOffset + index]! * this.queries[queryOffset + index]!;
            sum1 += chunk[rowOffset + index + 1]! * this.queries[queryOffset + index + 1]!;
            sum2 += chunk[rowOffset + index + 2]! * this.queries[queryOffset + index + 2]!;
            sum3 += chunk[rowOffset + index + 3]! * this.queries[queryOffset + index + 3]!;
          }
          const score = sum0 + sum1 + sum2 + sum3;
          if (score > scores[this.k - 1]!) this.insert(query, score, firstId + row);
        }
      }
    }
  }

  /** Per query, the ids of the k most similar rows, most similar first. */
  neighbourIds(): number[][] {
    return this.bestIds.map((ids) => Array.from(ids));
  }

  private insert(query: number, score: number, id: number): void {
    const scores = this.bestScores[query]!;
    const ids = this.bestIds[query]!;
    let position = this.k - 1;
    while (position > 0 && scores[position - 1]! < score) {
      scores[position] = scores[position - 1]!;
      ids[position] = ids[position - 1]!;
      position -= 1;
    }
    scores[position] = score;
    ids[position] = id;
  }
}

/** Fraction of the true k nearest ids found among the returned ids (recall@k). */
export function recallAtK(returnedIds: readonly number[], trueIds: readonly number[]): number {
  const truth = new Set(trueIds);
  let found = 0;
  for (const id of returnedIds) if (truth.has(id)) found += 1;
  return found / trueIds.length;
}
