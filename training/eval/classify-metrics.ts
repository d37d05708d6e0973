/**
 * Classification metrics from predicted and true class indexes: accuracy, macro-F1 (the mean of per-class F1
 * over classes present in truth or predictions), per-class precision/recall/F1 and the most confused pairs.
 */

export interface ClassMetrics {
  label: string;
  support: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface ClassificationReport {
  n: number;
  accuracy: number;
  macroF1: number;
  perClass: ClassMetrics[];
  /** Off-diagonal confusion counts, largest first: `true` label predicted as `predicted`. */
  confused: Array<{ true: string; predicted: string; count: number }>;
}

/**
 * Scores predictions against truth (both class indexes into `labels`).
 *
 * @example classificationReport([0, 1, 1], [0, 1, 0], ['a', 'b']).accuracy // 2/3
 */
export function classificationReport(truth: ArrayLike<number>, predicted: ArrayLike<number>, labels: readonly string[], { topConfused = 10 } = {}): ClassificationReport {
  const k = labels.length;
  const n = truth.length;
  if (predicted.length !== n) throw new RangeError(`${n} true labels but ${predicted.length} predictions`);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    confusion[truth[i]!]![predicted[i]!]!++;
    if (truth[i] === predicted[i]) correct++;
  }
  const perClass: ClassMetrics[] = labels.map((label, c) => {
    const tp = confusion[c]![c]!;
    const support = confusion[c]!.reduce((a, b) => a + b, 0);
    const predictedCount = confusion.reduce((a, row) => a + row[c]!, 0);
    const precision = predictedCount ? tp / predictedCount : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, support, precision, recall, f1 };
  });
  const active = perClass.filter((m, c) => m.support > 0 || confusion.some((row) => row[c]! > 0));
  const confused: ClassificationReport['confused'] = [];
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) if (a !== b && confusion[a]![b]! > 0) confused.push({ true: labels[a]!, predicted: labels[b]!, count: confusion[a]![b]! });
  confused.sort((x, y) => y.count - x.count || x.true.localeCompare(y.true));
  return {
    n,
    accuracy: n ? correct / n : 0,
    macroF1: active.length ? active.reduce((s, m) => s + m.f1, 0) / active.length : 0,
    perClass,
    confused: confused.slice(0, topConfused),
  };
}

/**
 * The arg-max class of each row of a row-major `n x k` probability matrix.
 *
 * @example argmaxRows(Float32Array.of(0.2, 0.8, 0.9, 0.1), 2, 2) // [1, 0]
 */
export function argmaxRows(probs: Float32Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[r * k + c]! > probs[r * k + best]!) best = c;
    out[r] = best;
  }
  return out;
}
