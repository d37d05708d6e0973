/**
 * Consistency checks of a parsed head artifact, beyond its schema: every number finite and of a sane size
 * (weights of 1e308 overflow to NaN scores), shapes that agree (one weight row per label, a bias per row,
 * normalisation per feature), labels unique, encoders known with dims that add up to the features, classify
 * fields (blocks, projection, calibration, abstain rule) consistent (classify-fields.ts). Each
 * problem is described without quoting the file's contents.
 */
import type { HeadArtifact } from './artifact.ts';
import { classifyFieldProblems } from './classify-fields.ts';

/** Largest magnitude allowed for a weight (a trained head's are in the tens). */
export const MAX_WEIGHT = 1e6;
/** Largest magnitude allowed for a normalisation statistic (prices, counts and dates stay far below). */
export const MAX_STATISTIC = 1e12;

export interface ArtifactExpectations {
  /** Known encoders and their dims (classify heads name the encoders their features come from). */
  encoderDims?: ReadonlyMap<string, number>;
}

/** The first number in `values` that is not finite or exceeds `max` in magnitude, as `[index, reason]`. */
function firstBad(values: readonly number[], max: number): [number, string] | undefined {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) return [i, 'is not a finite number'];
    if (Math.abs(v) > max) return [i, `exceeds ${max} in magnitude`];
  }
  return undefined;
}

/**
 * Problems of an artifact (empty when it is consistent).
 *
 * @example artifactProblems(artifact, { encoderDims: new Map([['text/minilm', 384]]) }) // []
 */
export function artifactProblems(a: HeadArtifact, { encoderDims }: ArtifactExpectations = {}): string[] {
  const problems: string[] = [];
  const d = a.features.length;
  const { mean, std } = a.normalisation;
  if (mean.length !== d || std.length !== d) problems.push(`normalisation has ${mean.length} means and ${std.length} stds for ${d} features`);
  const badMean = firstBad(mean, MAX_STATISTIC);
  if (badMean) problems.push(`normalisation.mean.${badMean[0]} ${badMean[1]}`);
  const badStd = firstBad(std, MAX_STATISTIC);
  if (badStd) problems.push(`normalisation.std.${badStd[0]} ${badStd[1]}`);
  else if (std.some((s) => s < 0)) problems.push(`normalisation.std.${std.findIndex((s) => s < 0)} is negative`);
  if (new Set(a.features).size !== d) problems.push('features repeat a name');

  const labels = a.labels ?? [];
  if (a.task === 'classify') {
    if (labels.length < 2) problems.push('a classify head needs at least two labels');
    if (new Set(labels).size !== labels.length) problems.push('labels repeat a name');
    if (labels.some((l) => l.length === 0)) problems.push('labels must not be empty');
  }
  const classes = a.task === 'classify' ? labels.length : 1;

  if (a.type === 'lr') {
    const rows = a.model.weights;
    if (rows.length !== classes) {
      problems.push(a.task === 'classify' ? `model.weights has ${rows.length} rows for ${labels.length} labels (one row per label)` : `model.weights has ${rows.length} rows; a rerank head has one`);
    }
    rows.forEach((w, r) => {
      if (w.length !== d + 1) problems.push(`model.weights.${r} has ${w.length} values for ${d} features (features + bias: ${d + 1})`);
      const bad = firstBad(w, MAX_WEIGHT);
      if (bad) problems.push(`model.weights.${r}.${bad[0]} ${bad[1]}`);
    });
  } else {
    const numClass = Number(a.model.options.num_class ?? 0);
    if (a.task === 'classify' && numClass !== labels.length) problems.push(`model.options.num_class is ${numClass || 'missing'} for ${labels.length} labels`);
    if (a.task === 'rerank' && numClass > 1) problems.push(`model.options.num_class is ${numClass}; a rerank head scores one class`);
  }

  if (a.task === 'classify') {
    const encoders = a.encoders ?? [];
    if (encoders.length === 0) problems.push('a classify head must name its encoders');
    if (encoderDims) {
      const unknown = encoders.filter((e) => !encoderDims.has(e));
      if (unknown.length) problems.push(`unknown encoders ${JSON.stringify(unknown.slice(0, 5))} (known: ${[...encoderDims.keys()].join(', ')})`);
      else {
        const total = encoders.reduce((n, e) => n + encoderDims.get(e)!, 0);
        if (total !== d) problems.push(`the encoders ${encoders.join(', ')} give ${total} dims but the head has ${d} features`);
      }
    }
  }
  // Blocks, projection, calibration and the abstain rule must agree with each other and with the head.
  problems.push(...classifyFieldProblems(a));
  return problems;
}

/**
 * Probe rows: the training means (all-zero after standardising) and the means -/+ 3 std.
 *
 * @example const { rows, n } = probeRows(artifact); head.predict(rows, n) // 3 rows of finite probabilities
 */
export function probeRows(a: Pick<HeadArtifact, 'normalisation'>): { rows: Float32Array; n: number } {
  const { mean, std } = a.normalisation;
  const d = mean.length;
  const rows = new Float32Array(3 * d);
  for (let j = 0; j < d; j++) {
    rows[j] = mean[j]!;
    rows[d + j] = mean[j]! - 3 * std[j]!;
    rows[2 * d + j] = mean[j]! + 3 * std[j]!;
  }
  return { rows, n: 3 };
}
