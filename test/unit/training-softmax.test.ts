import { describe, expect, it } from 'vitest';
import { fitSoftmax, trainSoftmaxHead } from '../../training/heads/softmax.ts';
import { createPredictor } from '../../service/heads/predict.ts';
import { parseArtifact } from '../../service/heads/artifact.ts';
import { createRng } from '../../training/eval/stats.ts';

/** Three Gaussian blobs in 2-D around (0,4), (4,0), (-4,-4). */
function blobs(n: number, seed = 3) {
  const rand = createRng(seed);
  const centres = [[0, 4], [4, 0], [-4, -4]];
  const rows = new Float32Array(n * 2);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    rows[i * 2] = centres[c]![0]! + (rand() - 0.5) * 2;
    rows[i * 2 + 1] = centres[c]![1]! + (rand() - 0.5) * 2;
  }
  return { rows, labels };
}

describe('softmax regression', () => {
  it('separates three blobs and its loss goes down', () => {
    const { rows, labels } = blobs(300);
    const losses: number[] = [];
    const w = fitSoftmax(rows, 300, 2, labels, 3, { epochs: 20, onEpoch: (_, l) => losses.push(l) });
    expect(w).toHaveLength(3);
    expect(w[0]).toHaveLength(3);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 3);
    let correct = 0;
    for (let i = 0; i < 300; i++) {
      const z = w.map((wc) => wc[0]! * rows[i * 2]! + wc[1]! * rows[i * 2 + 1]! + wc[2]!);
      if (z.indexOf(Math.max(...z)) === labels[i]) correct++;
    }
    expect(correct / 300).toBeGreaterThan(0.98);
  });

  it('matches the closed-form optimum of a one-feature binary problem (weights difference = log-odds slope)', () => {
    // x = -1 -> label 0 three times out of four, x = +1 -> label 1 three times out of four: the MLE logit is
    // log(3) * x, so with two softmax rows the difference of slopes tends to log 3 and of biases to 0.
    const x = Float32Array.from([-1, -1, -1, -1, 1, 1, 1, 1]);
    const y = Int32Array.from([0, 0, 0, 1, 1, 1, 1, 0]);
    const [w0, w1] = fitSoftmax(x, 8, 1, y, 2, { epochs: 3000, batchSize: 8, learningRate: 0.05, l2: 0 });
    expect(w1![0]! - w0![0]!).toBeCloseTo(Math.log(3), 2);
    expect(w1![1]! - w0![1]!).toBeCloseTo(0, 2);
  });

  it('writes a softmax artifact the service parses and predicts with', async () => {
    const { rows, labels } = blobs(150);
    const artifact = trainSoftmaxHead(
      { rows, n: 150, names: ['e#0', 'e#1'], labels },
      { name: 'blobs', task: 'classify', labels: ['a', 'b', 'c'], encoders: ['e'] },
      { epochs: 30, learningRate: 0.1 },
    );
    const parsed = parseArtifact(JSON.stringify(artifact), 'blobs.json');
    expect(parsed.type === 'lr' && parsed.model.kind).toBe('softmax');
    const head = await createPredictor(parsed);
    const p = head.predict(Float32Array.of(4, 0, -4, -4), 2);
    expect(p[1]).toBeGreaterThan(0.9);
    expect(p[5]).toBeGreaterThan(0.9);
    expect(p[0]! + p[1]! + p[2]!).toBeCloseTo(1, 5);
  });

  it('gives a binary rerank head as one sigmoid row', async () => {
    const x = Float32Array.from({ length: 100 }, (_, i) => (i < 50 ? -1 - (i % 5) * 0.1 : 1 + (i % 5) * 0.1));
    const y = Int32Array.from({ length: 100 }, (_, i) => (i < 50 ? 0 : 1));
    const artifact = trainSoftmaxHead({ rows: x, n: 100, names: ['f'], labels: y }, { name: 'bin', task: 'rerank' }, { epochs: 50, learningRate: 0.1 });
    expect(artifact.type === 'lr' && artifact.model.kind).toBe('sigmoid');
    const head = await createPredictor(artifact);
    const p = head.predict(Float32Array.of(-1, 1), 2);
    expect(p[0]).toBeLessThan(0.2);
    expect(p[1]).toBeGreaterThan(0.8);
  });
});
