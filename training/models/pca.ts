/**
 * Principal component analysis for embedding tables: mean-centred covariance (float64), eigen decomposition by
 * cyclic Jacobi rotations (exact for symmetric matrices, no dependency, a few seconds at 384 x 384), projection
 * onto the leading components. Plain functions over typed arrays.
 */

export interface Pca {
  /** Input dimension. */
  dim: number;
  /** Kept components. */
  k: number;
  mean: Float64Array;
  /** Row-major [k, dim]: unit principal axes, largest variance first. */
  components: Float64Array;
  /** Variance along each kept axis. */
  variances: Float64Array;
  /** Share of the total variance the kept axes hold (0..1). */
  explained: number;
}

/**
 * Eigenvalues (descending) and unit eigenvectors (row-major, row i belongs to value i) of a symmetric matrix.
 *
 * @example const { values, vectors } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2); // values [3, 1]
 */
export function symmetricEigen(matrix: Float64Array, n: number, { maxSweeps = 60, tolerance = 1e-14 } = {}): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i]! * a[i]!;

  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! * a[p * n + q]!;
    if (off <= tolerance * tolerance * total) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        // The rotation angle that zeroes a[p][q] (Rutishauser's stable form, as in Numerical Recipes).
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }

  const order = [...Array(n).keys()].sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  // Eigenvectors are the columns of the accumulated rotation; store them as rows.
  order.forEach((col, row) => {
    for (let k = 0; k < n; k++) vectors[row * n + k] = v[k * n + col]!;
  });
  return { values, vectors };
}

/**
 * Fits a PCA on `rows` (row-major [n, dim]) keeping `k` components.
 *
 * @example const pca = fitPca(table, 384, 256); const reduced = projectPca(pca, table); // [n, 256]
 */
export function fitPca(rows: Float32Array, dim: number, k: number): Pca {
  const n = rows.length / dim;
  if (!Number.isInteger(n) || n < 2) throw new Error(`fitPca: ${rows.length} values is not a whole number (>= 2) of rows of ${dim}`);
  if (k < 1 || k > dim) throw new Error(`fitPca: k must be in 1..${dim}, got ${k}`);
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) mean[j]! += rows[r * dim + j]!;
  for (let j = 0; j < dim; j++) mean[j]! /= n;

  const cov = new Float64Array(dim * dim);
  const x = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) x[j] = rows[r * dim + j]! - mean[j]!;
    for (let i = 0; i < dim; i++) {
      const xi = x[i]!;
      const base = i * dim;
      for (let j = i; j < dim; j++) cov[base + j]! += xi * x[j]!;
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      const value = cov[i * dim + j]! / (n - 1);
      cov[i * dim + j] = value;
      cov[j * dim + i] = value;
    }
  }

  const { values, vectors } = symmetricEigen(cov, dim);
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  const variances = values.slice(0, k);
  const kept = variances.reduce((s, v) => s + Math.max(0, v), 0);
  return { dim, k, mean, components: vectors.slice(0, k * dim), variances, explained: total > 0 ? kept / total : 0 };
}

/**
 * Projects rows (row-major [n, dim]) onto the kept components: row-major [n, k].
 *
 * @example const reduced = projectPca(pca, table);
 */
export function projectPca(pca: Pca, rows: Float32Array): Float32Array {
  const { dim, k, mean, components } = pca;
  const n = rows.length / dim;
  const out = new Float32Array(n * k);
  const x = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) x[j] = rows[r * dim + j]! - mean[j]!;
    for (let c = 0; c < k; c++) {
      let s = 0;
      const base = c * dim;
      for (let j = 0; j < dim; j++) s += components[base + j]! * x[j]!;
      out[r * k + c] = s;
    }
  }
  return out;
}
