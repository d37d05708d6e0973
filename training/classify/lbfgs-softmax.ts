/**
 * Multinomial logistic regression fitted to convergence by full-batch L-BFGS, the solver scikit-learn's
 * LogisticRegression (and so MTEB) uses. The mini-batch Adam of `training/heads/softmax.ts` suits 10k+ rows; on a
 * few hundred rows a full-batch quasi-Newton fit reaches the optimum in ~100 iterations, and being deterministic
 * it makes cross-validated choices (C, block weights) comparable with each other.
 */
import { dotRows, transpose } from './matmul.ts';

export interface LbfgsSoftmaxOptions {
  /** scikit-learn's C: the objective is sum of losses + ||W||^2 / (2C) (the bias is not penalised). */
  c?: number;
  /** Per-row weights (default 1); the penalty stays relative to the unweighted row count. */
  rowWeights?: ArrayLike<number>;
  maxIter?: number;
  /** History pairs kept. */
  memory?: number;
  /** Start from these weights (`k * (d + 1)`, bias last per class), e.g. the previous fit on a path. */
  init?: Float64Array;
}

/**
 * Softmax scores (logits) of row-major `x` (`n x d`) under weights `w` (`k` rows of `d + 1`, bias last).
 *
 * @example const s = logits(w, xt, nt, d, k); // nt x k
 */
export function logits(w: Float64Array, x: Float32Array, n: number, d: number, k: number): Float64Array {
  return dotRows(x, n, d, w, k, d + 1);
}

/**
 * In-place row softmax of an `n x k` matrix of logits; returns it.
 *
 * @example const p = softmaxInPlace(logits(w, x, n, d, k), n, k);
 */
export function softmaxInPlace(s: Float64Array, n: number, k: number): Float64Array {
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, s[r * k + c]!);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += s[r * k + c] = Math.exp(s[r * k + c]! - max);
    for (let c = 0; c < k; c++) s[r * k + c]! /= sum;
  }
  return s;
}

/** The data of one fit; `xt` is `x` transposed, so the gradient is a row dot product like the logits. */
interface Problem {
  x: Float32Array;
  xt: Float32Array;
  n: number;
  d: number;
  y: ArrayLike<number>;
  k: number;
  lambda: number;
  rowWeights: ArrayLike<number> | undefined;
}

/** Penalised loss (scaled by 1 / n) and its gradient into `g`. */
function objective(w: Float64Array, g: Float64Array, { x, xt, n, d, y, k, lambda, rowWeights }: Problem): number {
  const stride = d + 1;
  const p = softmaxInPlace(logits(w, x, n, d, k), n, k);
  // Residuals stored class-major (k x n): the gradient's row for class c is sum_r residual[c][r] * x[r].
  const residual = new Float64Array(k * n);
  let loss = 0;
  for (let r = 0; r < n; r++) {
    const yr = y[r]!;
    const rw = (rowWeights ? rowWeights[r]! : 1) / n;
    loss -= rw * Math.log(Math.max(1e-300, p[r * k + yr]!));
    for (let c = 0; c < k; c++) residual[c * n + r] = rw * (p[r * k + c]! - (c === yr ? 1 : 0));
  }
  const gt = dotRows(xt, d, n, residual, k, n);
  for (let c = 0; c < k; c++) {
    const gc = c * stride;
    let bias = 0;
    for (let r = 0; r < n; r++) bias += residual[c * n + r]!;
    g[gc + d] = bias;
    for (let j = 0; j < d; j++) {
      const wj = w[gc + j]!;
      loss += 0.5 * lambda * wj * wj;
      g[gc + j] = gt[j * k + c]! + lambda * wj;
    }
  }
  return loss;
}

function dot(a: Float64Array, b: Float64Array): number {
  let t = 0;
  for (let i = 0; i < a.length; i++) t += a[i]! * b[i]!;
  return t;
}

/**
 * Fits `k`-class softmax regression on row-major `x` (`n x d`) and labels in `[0, k)`; returns the weights,
 * `k` rows of `d + 1` (bias last) in one array.
 *
 * @example const w = fitLbfgsSoftmax(x, n, d, y, 77, { c: 1 }); const s = logits(w, xt, nt, d, 77);
 */
export function fitLbfgsSoftmax(
  x: Float32Array,
  n: number,
  d: number,
  y: ArrayLike<number>,
  k: number,
  { c = 1, rowWeights, maxIter = 100, memory = 10, init }: LbfgsSoftmaxOptions = {},
): Float64Array {
  const size = k * (d + 1);
  // sum(loss) + ||W||^2 / (2C), divided by n so the line search sees O(1) values.
  const lambda = 1 / (c * n);
  let w = init ? Float64Array.from(init) : new Float64Array(size);
  let g = new Float64Array(size);
  const problem: Problem = { x, xt: transpose(x, n, d), n, d, y, k, lambda, rowWeights };
  let f = objective(w, g, problem);
  const steps: Float64Array[] = [];
  const changes: Float64Array[] = [];
  const rho: number[] = [];
  const alpha: number[] = [];
  const dir = new Float64Array(size);
  for (let it = 0; it < maxIter; it++) {
    const gnorm = Math.sqrt(dot(g, g));
    if (gnorm < 1e-6) break;
    // Two-loop recursion: dir = -H g.
    for (let i = 0; i < size; i++) dir[i] = -g[i]!;
    for (let h = steps.length - 1; h >= 0; h--) {
      alpha[h] = rho[h]! * dot(steps[h]!, dir);
      for (let i = 0; i < size; i++) dir[i]! -= alpha[h]! * changes[h]![i]!;
    }
    const last = steps.length - 1;
    const gamma = last >= 0 ? dot(steps[last]!, changes[last]!) / dot(changes[last]!, changes[last]!) : 1 / gnorm;
    for (let i = 0; i < size; i++) dir[i]! *= gamma;
    for (let h = 0; h < steps.length; h++) {
      const b = rho[h]! * dot(changes[h]!, dir);
      for (let i = 0; i < size; i++) dir[i]! += (alpha[h]! - b) * steps[h]![i]!;
    }
    let slope = dot(g, dir);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      for (let i = 0; i < size; i++) dir[i] = -g[i]! / gnorm;
      slope = -gnorm;
      steps.length = changes.length = rho.length = 0;
    }
    const wn = new Float64Array(size);
    const gn = new Float64Array(size);
    let fn = f;
    // Backtracking (Armijo) line search from the quasi-Newton step.
    for (let step = 1, tries = 0; tries < 30; tries++, step /= 2) {
      for (let i = 0; i < size; i++) wn[i] = w[i]! + step * dir[i]!;
      fn = objective(wn, gn, problem);
      if (fn <= f + 1e-4 * step * slope) break;
    }
    const s = new Float64Array(size);
    const yv = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      s[i] = wn[i]! - w[i]!;
      yv[i] = gn[i]! - g[i]!;
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      steps.push(s);
      changes.push(yv);
      rho.push(1 / sy);
      if (steps.length > memory) {
        steps.shift();
        changes.shift();
        rho.shift();
      }
    }
    const converged = Math.abs(f - fn) <= 1e-9 * Math.max(1, Math.abs(f));
    w = wn;
    g = gn;
    f = fn;
    if (converged) break;
  }
  return w;
}
