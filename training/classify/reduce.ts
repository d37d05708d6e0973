/**
 * Principal axes of a wide matrix for the XGBoost classify head: ml-xgboost's WebAssembly heap holds about
 * 1.3 M input values, so 10,000 x 1,024 embeddings go to the trees as their leading principal components. The
 * covariance is one blocked product (`matmul.ts`); its leading eigenvectors come from subspace iteration, with
 * ml-matrix's symmetric solver for the small projected problem (`training/models/pca.ts`'s Jacobi rotations are
 * exact but take minutes at 1,024 dimensions).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { dotRows, transpose } from './matmul.ts';

export interface Axes {
  /** Row-major `p x d` unit axes, largest variance first. */
  components: number[][];
  /** Share of the total variance they hold. */
  explained: number;
}

/** Orthonormalises the columns of row-major `q` (`d x p`) in place (modified Gram-Schmidt). */
function orthonormalise(q: Float64Array, d: number, p: number): void {
  for (let c = 0; c < p; c++) {
    for (let prev = 0; prev < c; prev++) {
      let dot = 0;
      for (let i = 0; i < d; i++) dot += q[i * p + c]! * q[i * p + prev]!;
      for (let i = 0; i < d; i++) q[i * p + c]! -= dot * q[i * p + prev]!;
    }
    let norm = 0;
    for (let i = 0; i < d; i++) norm += q[i * p + c]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let i = 0; i < d; i++) q[i * p + c]! /= norm;
  }
}

/**
 * The `p` leading principal axes of row-major `x` (`n x d`), centred on its own column means. Rows fed to the
 * head are already centred on the training rows, so projecting needs no mean. Subspace iteration on the
 * covariance (a full eigen decomposition of 1,024 x 1,024 took ~20 s of CPU; `iterations` products of the
 * covariance with `p` vectors take ~1 s), then the exact eigenvectors of the small projected matrix.
 *
 * @example const { components } = principalAxes(z, n, 1024, 64);
 */
export function principalAxes(x: Float32Array, n: number, d: number, p: number, { iterations = 30, seed = 1 } = {}): Axes {
  if (p < 1 || p > d) throw new RangeError(`principalAxes: p must be in 1..${d}, got ${p}`);
  const mean = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let j = 0; j < d; j++) mean[j]! += x[r * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const centred = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) centred[i] = x[i]! - mean[i % d]!;
  const xt = transpose(centred, n, d);
  const cov = dotRows(xt, d, n, Float64Array.from(xt), d, n);
  for (let i = 0; i < cov.length; i++) cov[i]! /= n - 1;
  let trace = 0;
  for (let i = 0; i < d; i++) trace += cov[i * d + i]!;
  // Start from a seeded random basis; each round multiplies by the covariance and re-orthonormalises.
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  let q: Float64Array = Float64Array.from({ length: d * p }, rand);
  orthonormalise(q, d, p);
  const covF32 = Float32Array.from(cov);
  for (let it = 0; it < iterations; it++) {
    // (C Q) as rows of C dotted with the columns of Q: dotRows wants Q's columns as rows.
    const qt = new Float64Array(p * d);
    for (let i = 0; i < d; i++) for (let c = 0; c < p; c++) qt[c * d + i] = q[i * p + c]!;
    q = dotRows(covF32, d, d, qt, p, d);
    orthonormalise(q, d, p);
  }
  // Rayleigh-Ritz: eigenvectors of Q' C Q rotate Q onto the axes.
  const qt = new Float64Array(p * d);
  for (let i = 0; i < d; i++) for (let c = 0; c < p; c++) qt[c * d + i] = q[i * p + c]!;
  const cq = dotRows(covF32, d, d, qt, p, d);
  const small = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => {
    let t = 0;
    for (let i = 0; i < d; i++) t += q[i * p + a]! * cq[i * p + b]!;
    return t;
  }));
  const evd = new EigenvalueDecomposition(new Matrix(small), { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  const order = values.map((_, i) => i).sort((a, b) => values[b]! - values[a]!);
  const components = order.map((e) => {
    const v = vectors.getColumn(e);
    return Array.from({ length: d }, (_, i) => {
      let t = 0;
      for (let c = 0; c < p; c++) t += q[i * p + c]! * v[c]!;
      return t;
    });
  });
  return { components, explained: trace > 0 ? order.reduce((t, e) => t + Math.max(0, values[e]!), 0) / trace : 0 };
}
