import { describe, expect, it } from 'vitest';
import { dotRows, transpose } from '../../training/classify/matmul.ts';
import { principalAxes } from '../../training/classify/reduce.ts';
import { fitPca } from '../../training/models/pca.ts';
import { createRng } from '../../training/eval/stats.ts';

describe('blocked dense products', () => {
  it('equal plain dot products for every remainder of rows and columns, with and without a bias', () => {
    const rand = createRng(2);
    for (const [n, d, m] of [[7, 5, 3], [8, 16, 4], [1, 3, 1], [13, 9, 5]] as const) {
      const a = Float32Array.from({ length: n * d }, () => rand() - 0.5);
      for (const stride of [d, d + 1]) {
        const b = Float64Array.from({ length: m * stride }, () => rand() - 0.5);
        const out = dotRows(a, n, d, b, m, stride);
        for (let r = 0; r < n; r++) {
          for (let c = 0; c < m; c++) {
            let t = stride > d ? b[c * stride + d]! : 0;
            for (let j = 0; j < d; j++) t += a[r * d + j]! * b[c * stride + j]!;
            expect(out[r * m + c]).toBeCloseTo(t, 12);
          }
        }
      }
    }
    expect(Array.from(transpose(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3))).toEqual([1, 4, 2, 5, 3, 6]);
  });
});

describe('leading principal axes by subspace iteration', () => {
  it('finds the same axes and explained variance as the exact PCA', () => {
    const rand = createRng(5);
    const n = 600;
    const d = 40;
    // Variance falling off with the dimension, so the leading axes are well separated.
    const x = Float32Array.from({ length: n * d }, (_, i) => (rand() - 0.5) * (i % d < 6 ? 8 - (i % d) : 0.5));
    const fast = principalAxes(x, n, d, 4);
    const exact = fitPca(x, d, 4);
    for (let c = 0; c < 4; c++) {
      let dot = 0;
      for (let j = 0; j < d; j++) dot += fast.components[c]![j]! * exact.components[c * d + j]!;
      expect(Math.abs(dot)).toBeCloseTo(1, 6);
    }
    expect(fast.explained).toBeCloseTo(exact.explained, 6);
  });
});
