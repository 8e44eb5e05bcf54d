

import type { ClassificationMetrics } from '../protocol/index.js';
export type { ClassificationMetrics, ClassMetrics } from '../protocol/index.js';

export function classificationMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>, classNames: string[]): ClassificationMetrics {
  const n = classNames.length;
  const confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    confusion[truth[i]!]![predicted[i]!]! += 1;
    if (truth[i] === predicted[i]) correct++;
  }
  // An undefined ratio (no predictions of a class, no images of it) counts as 0, as scikit-learn's zero_division=0.
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const perClass = classNames.map((className, c) => {
    const truePositives = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedAs = confusion.reduce((sum, row) => sum + row[c]!, 0);
    const precision = ratio(truePositives, predictedAs);
    const recall = ratio(truePositives, support);
    return { className, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
  const present = perClass.filter((c) => c.support > 0);
  const mean = (key: 'precision' | 'recall' | 'f1') => ratio(present.reduce((s, c) => s + c[key], 0), present.length);
  return {
    count: truth.length,
    accuracy: ratio(correct, truth.length),
    confusion,
    perClass,
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1') },
  };
}
