import { textTokens } from './text-normalisation.ts';

const ngrams = (tokens: string[], n: number) => {
  const counts = new Map<string, number>();
  for (let index = 0; index + n <= tokens.length; index++) {
    const gram = tokens.slice(index, index + n).join(' ');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
};

/**
 * Corpus BLEU-4 (Papineni et al. 2002): clipped n-gram precisions for n = 1…4 summed over all
 * pairs, geometric mean, brevity penalty over the total lengths; one reference per hypothesis.
 * 0 when any n-gram order has no match (no smoothing), as corpus BLEU is usually reported.
 */
export function corpusBleu4(pairs: { hypothesis: string; reference: string }[]): number {
  const matches = [0, 0, 0, 0];
  const totals = [0, 0, 0, 0];
  let hypothesisLength = 0;
  let referenceLength = 0;
  for (const pair of pairs) {
    const hypothesis = textTokens(pair.hypothesis);
    const reference = textTokens(pair.reference);
    hypothesisLength += hypothesis.length;
    referenceLength += reference.length;
    for (let n = 1; n <= 4; n++) {
      const hypothesisGrams = ngrams(hypothesis, n);
      const referenceGrams = ngrams(reference, n);
      for (const [gram, count] of hypothesisGrams) matches[n - 1]! += Math.min(count, referenceGrams.get(gram) ?? 0);
      totals[n - 1]! += Math.max(0, hypothesis.length - n + 1);
    }
  }
  if (hypothesisLength === 0 || matches.some((count) => count === 0)) return 0;
  const logPrecision = matches.reduce((sum, count, index) => sum + Math.log(count / totals[index]!), 0) / 4;
  const brevity = hypothesisLength >= referenceLength ? 1 : Math.exp(1 - referenceLength / hypothesisLength);
  return brevity * Math.exp(logPrecision);
}

/**
 * ROUGE-L (Lin 2004): longest common subsequence of tokens, F-measure with β = 1.2 (recall
 * weighted a little more, as the COCO caption evaluation computes it).
 */
export function rougeL(hypothesis: string, reference: string, beta = 1.2): number {
  const left = textTokens(hypothesis);
  const right = textTokens(reference);
  if (left.length === 0 || right.length === 0) return 0;
  let previous = new Array<number>(right.length + 1).fill(0);
  for (const token of left) {
    const current = new Array<number>(right.length + 1).fill(0);
    for (let column = 1; column <= right.length; column++) {
      current[column] =
        token === right[column - 1] ? previous[column - 1]! + 1 : Math.max(previous[column]!, current[column - 1]!);
    }
    previous = current;
  }
  const lcs = previous[right.length]!;
  if (lcs === 0) return 0;
  const precision = lcs / left.length;
  const recall = lcs / right.length;
  return ((1 + beta ** 2) * precision * recall) / (recall + beta ** 2 * precision);
}

/** Share of key terms (case-insensitive, whole words or phrases) the hypothesis contains; null without key terms. */
export function keyTermRecall(hypothesis: string, keyTerms: string[]): number | null {
  if (keyTerms.length === 0) return null;
  const text = ` ${textTokens(hypothesis).join(' ')} `;
  const found = keyTerms.filter((term) => text.includes(` ${textTokens(term).join(' ')} `));
  return found.length / keyTerms.length;
}
