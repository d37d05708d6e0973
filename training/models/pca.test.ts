import { describe, expect, it } from 'vitest';
import { fitPca, projectPca, symmetricEigen } from './pca.ts';
import { createRng } from '../eval/stats.ts';

/** A seeded generator so the fixtures are the same on every run. */
const random = createRng;

describe('symmetricEigen', () => {
  it('solves a 2x2 case exactly', () => {
    const { values, vectors } = symmetricEigen(new Float64Array([2, 1, 1, 2]), 2);
    expect([...values]).toEqual([expect.closeTo(3, 12), expect.closeTo(1, 12)]);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(vectors[0]! * vectors[1]!).toBeGreaterThan(0);
  });

  it('returns orthonormal eigenvectors with A v = lambda v on a random 40x40 matrix', () => {
    const n = 40;
    const next = random(7);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) a[i * n + j] = a[j * n + i] = next() - 0.5;
    const { values, vectors } = symmetricEigen(a, n);
    for (let i = 1; i < n; i++) expect(values[i]!).toBeLessThanOrEqual(values[i - 1]!);
    for (let e = 0; e < n; e++) {
      for (let r = 0; r < n; r++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[r * n + k]! * vectors[e * n + k]!;
        expect(av).toBeCloseTo(values[e]! * vectors[e * n + r]!, 9);
      }
      for (let f = e; f < n; f++) {
        let d = 0;
        for (let k = 0; k < n; k++) d += vectors[e * n + k]! * vectors[f * n + k]!;
        expect(d).toBeCloseTo(e === f ? 1 : 0, 9);
      }
    }
  });
});

describe('fitPca', () => {
  it('finds the directions of a stretched cloud and keeps the variance they hold', () => {
    // 3-d points spread 10 : 3 : 0.1 along three orthogonal axes rotated away from the coordinate axes.
    const next = random(11);
    const gauss = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
    const axes = [
      [1 / Math.sqrt(2), 1 / Math.sqrt(2), 0],
      [-1 / Math.sqrt(2), 1 / Math.sqrt(2), 0],
      [0, 0, 1],
    ];
    const scales = [10, 3, 0.1];
    const n = 4000;
    const rows = new Float32Array(n * 3);
    for (let r = 0; r < n; r++) {
      const z = scales.map((s) => s * gauss());
      for (let j = 0; j < 3; j++) rows[r * 3 + j] = 5 + z.reduce((s, zi, i) => s + zi * axes[i]![j]!, 0);
    }
    const pca = fitPca(rows, 3, 2);
    expect(pca.mean[0]).toBeCloseTo(5, 0);
    expect(Math.abs(pca.components[0]! * axes[0]![0]! + pca.components[1]! * axes[0]![1]!)).toBeGreaterThan(0.999);
    expect(Math.sqrt(pca.variances[0]!)).toBeCloseTo(10, 0);
    expect(Math.sqrt(pca.variances[1]!)).toBeCloseTo(3, 0);
    expect(pca.explained).toBeGreaterThan(0.9999);
    const reduced = projectPca(pca, rows);
    expect(reduced.length).toBe(n * 2);
    // Projections are centred and uncorrelated.
    let s0 = 0;
    let s01 = 0;
    for (let r = 0; r < n; r++) {
      s0 += reduced[r * 2]!;
      s01 += reduced[r * 2]! * reduced[r * 2 + 1]!;
    }
    expect(Math.abs(s0 / n)).toBeLessThan(1e-3);
    expect(Math.abs(s01 / n)).toBeLessThan(1e-2);
    expect(() => fitPca(rows, 3, 4)).toThrow(/k must be in 1\.\.3/);
  });
});
