/**
 * A count-based bigram language model over token ids, laid out as the tiny chat model's
 * weights: the input token picks a state, the state's row holds log P(next token | state).
 *
 * State 0 is "start": every token that never appears as a predecessor in the corpus (the
 * chat template's `<|assistant|>`, unknown words) maps to it, and its row is the
 * distribution of answer-opening tokens. Only tokens seen in the corpus can be predicted;
 * all others share one column fixed at `neverLogit`.
 *
 * Equal counts are common in a small corpus, and greedy decoding must not leave such a tie
 * to the attention layer's small noise (it could pick a path that cycles). So tied best
 * successors are separated by `tieBreakStep` (larger than the attention's effect, smaller than
 * the gap to the next count), preferring the one closest to end-of-sequence: greedy decoding
 * then follows a fixed path from every state, and tests check each path ends.
 */
export interface BigramLanguageModel {
  /** [vocabularySize] → state index. */
  tokenToState: BigInt64Array;
  stateCount: number;
  /** [vocabularySize] → logit column (the last column is the never-predicted one). */
  tokenToColumn: BigInt64Array;
  columnCount: number;
  /** [stateCount, columnCount] log-probabilities. */
  logProbabilities: Float32Array;
  /** Token ids that can be predicted, in column order. */
  predictedTokenIds: number[];
}

export const neverLogit = -1e4;

/** Separation given to tied best successors, in logits (the attention layer moves logits by ≈ 0.01). */
export const tieBreakStep = 0.05;

/**
 * @param sequences corpus answers as token ids, each ending with the end-of-sequence id
 * @param smoothing add-α pseudo-count spread over every predictable token (small: the text
 *   should mostly follow the corpus, with occasional unseen transitions when sampling)
 */
export function countBigramLanguageModel(
  sequences: readonly number[][],
  vocabularySize: number,
  smoothing = 1e-5,
): BigramLanguageModel {
  const predecessorIds = [...new Set(sequences.flatMap((sequence) => sequence.slice(0, -1)))].sort(
    (left, right) => left - right,
  );
  const predictedTokenIds = [...new Set(sequences.flat())].sort((left, right) => left - right);

  const tokenToState = new BigInt64Array(vocabularySize);
  predecessorIds.forEach((id, index) => (tokenToState[id] = BigInt(index + 1)));
  const stateCount = predecessorIds.length + 1;

  const columnCount = predictedTokenIds.length + 1;
  const tokenToColumn = new BigInt64Array(vocabularySize).fill(BigInt(columnCount - 1));
  predictedTokenIds.forEach((id, index) => (tokenToColumn[id] = BigInt(index)));

  const counts = new Float64Array(stateCount * columnCount);
  for (const sequence of sequences) {
    let state = 0;
    for (const id of sequence) {
      counts[state * columnCount + Number(tokenToColumn[id])]! += 1;
      state = Number(tokenToState[id]);
    }
  }

  const endTokenId = sequences[0]!.at(-1)!;
  const stepsToEnd = shortestStepsToEnd(counts, stateCount, columnCount, predictedTokenIds, tokenToState, endTokenId);
  const logProbabilities = new Float32Array(stateCount * columnCount);
  const predictableCount = columnCount - 1;
  for (let state = 0; state < stateCount; state += 1) {
    let total = 0;
    for (let column = 0; column < predictableCount; column += 1) total += counts[state * columnCount + column]!;
    const denominator = total + smoothing * predictableCount;
    for (let column = 0; column < predictableCount; column += 1) {
      logProbabilities[state * columnCount + column] = Math.log(
        (counts[state * columnCount + column]! + smoothing) / denominator,
      );
    }
    logProbabilities[state * columnCount + predictableCount] = neverLogit;
    separateTopTies(
      logProbabilities.subarray(state * columnCount, state * columnCount + predictableCount),
      (column) =>
        stepsToEnd[Number(tokenToState[predictedTokenIds[column]!])]! +
        (predictedTokenIds[column] === endTokenId ? -1 : 0),
    );
  }

  return { tokenToState, stateCount, tokenToColumn, columnCount, logProbabilities, predictedTokenIds };
}

/**
 * For each state, the fewest tokens until the end token can be emitted along transitions seen
 * in the corpus (0: the end can come next). Unreachable states get the state count.
 */
function shortestStepsToEnd(
  counts: Float64Array,
  stateCount: number,
  columnCount: number,
  predictedTokenIds: number[],
  tokenToState: BigInt64Array,
  endTokenId: number,
): number[] {
  const steps = new Array<number>(stateCount).fill(stateCount);
  const endColumn = predictedTokenIds.indexOf(endTokenId);
  for (let state = 0; state < stateCount; state += 1)
    if (counts[state * columnCount + endColumn]! > 0) steps[state] = 0;
  for (let changed = true; changed;) {
    changed = false;
    for (let state = 0; state < stateCount; state += 1) {
      for (let column = 0; column < columnCount - 1; column += 1) {
        if (counts[state * columnCount + column]! === 0 || column === endColumn) continue;
        const candidate = steps[Number(tokenToState[predictedTokenIds[column]!])]! + 1;
        if (candidate < steps[state]!) {
          steps[state] = candidate;
          changed = true;
        }
      }
    }
  }
  return steps;
}

/**
 * Lowers all but one of the entries tied for the row maximum, in steps of `tieBreakStep`
 * (or less when the next distinct value is close), ordered by `rank` then column.
 */
function separateTopTies(row: Float32Array, rank: (column: number) => number): void {
  let best = -Infinity;
  for (const value of row) best = Math.max(best, value);
  const tied: number[] = [];
  let nextBest = -Infinity;
  row.forEach((value, column) => {
    if (value === best) tied.push(column);
    else nextBest = Math.max(nextBest, value);
  });
  if (tied.length < 2) return;
  const step = Math.min(tieBreakStep, (best - nextBest) / (tied.length + 1));
  tied.sort((left, right) => rank(left) - rank(right) || left - right);
  tied.forEach((column, order) => (row[column] = best - step * order));
}
