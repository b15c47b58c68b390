import { answerTokens, normaliseAnswer } from './text-normalisation.ts';

/** One scored question. */
export interface VqaPrediction {
  question: string;
  /** The reference answer. */
  reference: string;
  /** The assistant's whole answer. */
  prediction: string;
}

export interface VqaScores {
  count: number;
  /** Questions whose reference is yes or no: accuracy of the yes/no read from the answer (no yes/no = wrong). */
  closed: { count: number; accuracy: number | null; answeredYesOrNo: number };
  /** Every other question: exact match after normalisation, and mean token F1 (PathVQA's open-ended metrics). */
  open: { count: number; exactMatch: number | null; tokenF1: number | null };
}

/** True for PathVQA's closed-ended questions: the reference is yes or no. */
export const isClosedEnded = (reference: string) => ['yes', 'no'].includes(normaliseAnswer(reference));

/**
 * The yes/no an answer opens with (`Yes, …`, `no.`), or null when it opens with anything else:
 * a "no" inside prose ("no region is similar…") is not an answer.
 */
export function readYesNo(prediction: string): 'yes' | 'no' | null {
  const match = /^[\s"'*_(]*(yes|no)\b/i.exec(prediction);
  return match ? (match[1]!.toLowerCase() as 'yes' | 'no') : null;
}

/** Exact match after `normaliseAnswer`. */
export const exactMatch = (prediction: string, reference: string) =>
  normaliseAnswer(prediction) === normaliseAnswer(reference);

/** SQuAD's token F1: overlap of normalised words (with multiplicity) between prediction and reference. */
export function tokenF1(prediction: string, reference: string): number {
  const predicted = answerTokens(prediction);
  const expected = answerTokens(reference);
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const token of expected) counts.set(token, (counts.get(token) ?? 0) + 1);
  let overlap = 0;
  for (const token of predicted) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      overlap++;
      counts.set(token, left - 1);
    }
  }
  if (overlap === 0) return 0;
  const precision = overlap / predicted.length;
  const recall = overlap / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

const mean = (values: number[]) =>
  values.length ? values.reduce((sum, value) => sum + value, 0) / values.length : null;

/**
 * PathVQA's metrics over a set of answers: closed-ended (yes/no) accuracy, open-ended exact
 * match and token F1.
 *
 * @example
 * scoreVqa([{ question: 'Is this necrosis?', reference: 'yes', prediction: 'Yes [1].' }]).closed.accuracy; // 1
 */
export function scoreVqa(predictions: VqaPrediction[]): VqaScores {
  const closed = predictions.filter((row) => isClosedEnded(row.reference));
  const open = predictions.filter((row) => !isClosedEnded(row.reference));
  const yesNo = closed.map((row) => readYesNo(row.prediction));
  return {
    count: predictions.length,
    closed: {
      count: closed.length,
      accuracy: mean(closed.map((row, index) => (yesNo[index] === normaliseAnswer(row.reference) ? 1 : 0))),
      answeredYesOrNo: yesNo.filter((value) => value !== null).length,
    },
    open: {
      count: open.length,
      exactMatch: mean(open.map((row) => (exactMatch(row.prediction, row.reference) ? 1 : 0))),
      tokenF1: mean(open.map((row) => tokenF1(row.prediction, row.reference))),
    },
  };
}
