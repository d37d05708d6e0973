import { describe, expect, it } from 'vitest';
import { mtebClassification, undersample } from '../../training/classify/mteb-protocol.ts';
import { createRng } from '../../training/eval/stats.ts';

describe('MTEB classification protocol', () => {
  it('undersamples at most perLabel rows of each label', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => i % 3);
    const pick = undersample(labels, 5, createRng(1));
    expect(pick).toHaveLength(15);
    for (const c of [0, 1, 2]) expect(pick.filter((i) => labels[i] === c)).toHaveLength(5);
  });

  it('scores separable unit vectors near perfectly', () => {
    const rand = createRng(2);
    const make = (n: number) => {
      const x = new Float32Array(n * 2);
      const y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = i % 4;
        const angle = (y[i]! * Math.PI) / 2 + (rand() - 0.5) * 0.5;
        x[i * 2] = Math.cos(angle);
        x[i * 2 + 1] = Math.sin(angle);
      }
      return { x, y };
    };
    const tr = make(200);
    const te = make(100);
    const draws: Array<[number, number]> = [];
    const r = mtebClassification(tr.x, tr.y, te.x, te.y, 2, 4, { experiments: 3, perLabel: 8, epochs: 100, learningRate: 0.05, onDraw: (d, acc) => draws.push([d, acc]) });
    expect(r.trainRows).toBe(32);
    expect(r.accuracies).toHaveLength(3);
    // Each draw is reported as it finishes, with the accuracy the result keeps (a stopped run's log is its figures).
    expect(draws).toEqual(r.accuracies.map((acc, i) => [i + 1, acc]));
    expect(r.mean).toBeGreaterThan(0.95);
    const b = mtebClassification(tr.x, tr.y, te.x, te.y, 2, 4, { experiments: 3, perLabel: 8, head: 'block-lr', blocks: [2] });
    expect(b.trainRows).toBe(32);
    expect(b.chosen).toHaveLength(3);
    expect(b.mean).toBeGreaterThan(0.9);
    expect(() => mtebClassification(tr.x, tr.y, te.x, te.y, 2, 4, { head: 'block-lr', blocks: [2, 1] })).toThrow(/add up/);
  });
});
