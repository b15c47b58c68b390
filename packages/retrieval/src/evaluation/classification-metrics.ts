export interface ClassMetrics {
  id: string;
  precision: number;
  recall: number;
  f1: number;
  /** Samples whose true label is this class. */
  support: number;
}

export interface ClassificationMetrics {
  count: number;
  accuracy: number;
  /** Mean recall over the classes that occur among the true labels (chance level: 1 / that many). */
  balancedAccuracy: number;
  /** Per-class F1 weighted by support. */
  weightedF1: number;
  /** Class ids, in the order of the matrix's rows and columns. */
  labels: string[];
  /** `confusionMatrix[true][predicted]` counts; rows sum to each class's support. */
  confusionMatrix: number[][];
  perClass: ClassMetrics[];
}

/**
 * Accuracy, balanced accuracy, weighted F1 and the confusion matrix (scikit-learn's
 * definitions; a class never predicted has precision 0).
 *
 * @example
 * classificationMetrics(['A', 'B', 'B'], ['A', 'B', 'A'], ['A', 'B']).accuracy; // 2/3
 */
export function classificationMetrics(
  trueLabels: readonly string[],
  predictedLabels: readonly string[],
  labels: readonly string[],
): ClassificationMetrics {
  if (trueLabels.length !== predictedLabels.length)
    throw new Error(`${trueLabels.length} true labels but ${predictedLabels.length} predictions`);
  if (trueLabels.length === 0) throw new Error('classificationMetrics needs at least one sample');
  const index = new Map(labels.map((label, position) => [label, position]));
  const matrix = labels.map(() => labels.map(() => 0));
  trueLabels.forEach((truth, sample) => {
    const row = index.get(truth);
    const column = index.get(predictedLabels[sample]!);
    if (row === undefined || column === undefined)
      throw new Error(
        `label "${row === undefined ? truth : predictedLabels[sample]}" is not one of ${labels.join(', ')}`,
      );
    matrix[row]![column]! += 1;
  });
  const count = trueLabels.length;
  const perClass = labels.map((id, position) => {
    const truePositives = matrix[position]![position]!;
    const support = matrix[position]!.reduce((sum, value) => sum + value, 0);
    const predicted = matrix.reduce((sum, row) => sum + row[position]!, 0);
    const precision = predicted ? truePositives / predicted : 0;
    const recall = support ? truePositives / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { id, precision, recall, f1, support };
  });
  const present = perClass.filter((metrics) => metrics.support > 0);
  return {
    count,
    accuracy: labels.reduce((sum, _, position) => sum + matrix[position]![position]!, 0) / count,
    balancedAccuracy: present.reduce((sum, metrics) => sum + metrics.recall, 0) / present.length,
    weightedF1: perClass.reduce((sum, metrics) => sum + metrics.f1 * metrics.support, 0) / count,
    labels: [...labels],
    confusionMatrix: matrix,
    perClass,
  };
}
