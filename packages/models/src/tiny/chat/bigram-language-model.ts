/**
 * A count-based bigram language model over token ids, laid out as the tiny chat model's
 * weights: the input token picks a state, the state's row holds log P(next token | state).
 *
 * State 0 is "start": every token that never appears as a predecessor in the corpus (the
 * chat template's `<|assistant|>`, unknown words) maps to it, and its row is the
 * distribution of answer-opening tokens. Only tokens seen in the corpus can be predicted;
 * all others share one column fixed at `neverLogit`.
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

/**
 * @param sequences corpus answers as token ids, each ending with the end-of-sequence id
 * @param smoothing add-α pseudo-count spread over every predictable token (small: the text
 *   should mostly follow the corpus, with occasional unseen transitions when sampling)
 */
export function countBigramLanguageModel(sequences: readonly number[][], vocabularySize: number, smoothing = 0.002): BigramLanguageModel {
  const predecessorIds = [...new Set(sequences.flatMap((sequence) => sequence.slice(0, -1)))].sort((left, right) => left - right);
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

  const logProbabilities = new Float32Array(stateCount * columnCount);
  const predictableCount = columnCount - 1;
  for (let state = 0; state < stateCount; state += 1) {
    let total = 0;
    for (let column = 0; column < predictableCount; column += 1) total += counts[state * columnCount + column]!;
    const denominator = total + smoothing * predictableCount;
    for (let column = 0; column < predictableCount; column += 1) {
      logProbabilities[state * columnCount + column] = Math.log((counts[state * columnCount + column]! + smoothing) / denominator);
    }
    logProbabilities[state * columnCount + predictableCount] = neverLogit;
  }

  return { tokenToState, stateCount, tokenToColumn, columnCount, logProbabilities, predictedTokenIds };
}
