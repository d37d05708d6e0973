/**
 * The two dense products the softmax solvers spend their time in, register-blocked (4 rows x 2 columns per inner
 * loop) because V8 does not vectorise: each loaded weight serves four rows and each loaded row value two weights,
 * which measured ~4x faster than one dot product at a time (1.3 vs 0.3 GMAC/s of CPU time at 2,000 x 1,024 x 77).
 */

/**
 * `out[i * m + c] = bias_c + sum_j a[i * d + j] * b[c * stride + j]` for `n` rows of `a` and `m` rows of `b`
 * (`stride >= d`; with `stride = d + 1` the last value of each `b` row is its bias, else there is none).
 *
 * @example const s = dotRows(x, n, d, w, k, d + 1); // logits of softmax weights with the bias last
 */
export function dotRows(a: Float32Array, n: number, d: number, b: Float64Array, m: number, stride: number, out = new Float64Array(n * m)): Float64Array {
  const hasBias = stride > d;
  let r = 0;
  for (; r + 4 <= n; r += 4) {
    const a0 = r * d;
    const a1 = a0 + d;
    const a2 = a1 + d;
    const a3 = a2 + d;
    const o = r * m;
    let c = 0;
    for (; c + 2 <= m; c += 2) {
      const p = c * stride;
      const q = p + stride;
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0, u0 = 0, u1 = 0, u2 = 0, u3 = 0;
      for (let j = 0; j < d; j++) {
        const wp = b[p + j]!;
        const wq = b[q + j]!;
        const x0 = a[a0 + j]!;
        const x1 = a[a1 + j]!;
        const x2 = a[a2 + j]!;
        const x3 = a[a3 + j]!;
        t0 += wp * x0;
        t1 += wp * x1;
        t2 += wp * x2;
        t3 += wp * x3;
        u0 += wq * x0;
        u1 += wq * x1;
        u2 += wq * x2;
        u3 += wq * x3;
      }
      const bp = hasBias ? b[p + d]! : 0;
      const bq = hasBias ? b[q + d]! : 0;
      out[o + c] = t0 + bp;
      out[o + m + c] = t1 + bp;
      out[o + 2 * m + c] = t2 + bp;
      out[o + 3 * m + c] = t3 + bp;
      out[o + c + 1] = u0 + bq;
      out[o + m + c + 1] = u1 + bq;
      out[o + 2 * m + c + 1] = u2 + bq;
      out[o + 3 * m + c + 1] = u3 + bq;
    }
    for (; c < m; c++) {
      const p = c * stride;
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let j = 0; j < d; j++) {
        const wp = b[p + j]!;
        t0 += wp * a[a0 + j]!;
        t1 += wp * a[a1 + j]!;
        t2 += wp * a[a2 + j]!;
        t3 += wp * a[a3 + j]!;
      }
      const bp = hasBias ? b[p + d]! : 0;
      out[o + c] = t0 + bp;
      out[o + m + c] = t1 + bp;
      out[o + 2 * m + c] = t2 + bp;
      out[o + 3 * m + c] = t3 + bp;
    }
  }
  for (; r < n; r++) {
    for (let c = 0; c < m; c++) {
      const p = c * stride;
      let t = hasBias ? b[p + d]! : 0;
      for (let j = 0; j < d; j++) t += b[p + j]! * a[r * d + j]!;
      out[r * m + c] = t;
    }
  }
  return out;
}

/**
 * The transpose of a row-major `n x d` matrix (`d x n`), so that column sums over rows become row dot products.
 *
 * @example transpose(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3) // [1, 4, 2, 5, 3, 6]
 */
export function transpose(x: Float32Array, n: number, d: number, out = new Float32Array(n * d)): Float32Array {
  // Tiles keep both the reads and the writes within a few cache lines.
  const tile = 32;
  for (let r0 = 0; r0 < n; r0 += tile) {
    for (let j0 = 0; j0 < d; j0 += tile) {
      const r1 = Math.min(n, r0 + tile);
      const j1 = Math.min(d, j0 + tile);
      for (let r = r0; r < r1; r++) for (let j = j0; j < j1; j++) out[j * n + r] = x[r * d + j]!;
    }
  }
  return out;
}
