import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { checkFeatures, parseArtifact } from '../../service/heads/artifact.ts';
import { createPredictor, linearPredict } from '../../service/heads/predict.ts';
import { openHeadStore } from '../../service/heads/store.ts';
import { trainLrHead, trainXgbHead, normalisationOf } from '../../training/heads/train.ts';

/** A separable toy problem: label = x0 + 0.5 x1 > 0, with a noise feature. */
function toy(n: number, seed = 7) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const rows = new Float32Array(n * 3);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = rnd() * 3 + 1;
    const b = rnd() * 2;
    rows.set([a, b, rnd() * 10], i * 3);
    labels.push(a + 0.5 * b > 1 ? 1 : 0);
  }
  return { rows, n, names: ['a', 'b', 'noise'], labels };
}

const accuracy = (p: Float32Array, labels: number[]) => labels.filter((l, i) => (p[i]! > 0.5 ? 1 : 0) === l).length / labels.length;

describe('logistic regression head', () => {
  it('learns a separable problem and predicts from stored weights exactly as the library does', () => {
    const set = toy(400);
    const artifact = trainLrHead(set, { name: 'toy', task: 'rerank' }, { steps: 300 });
    expect(artifact.type).toBe('lr');
    const p = linearPredict(artifact.model as never, (() => {
      const { mean, std } = artifact.normalisation;
      const x = set.rows.slice();
      for (let i = 0; i < set.n; i++) for (let j = 0; j < 3; j++) x[i * 3 + j] = (x[i * 3 + j]! - mean[j]!) / std[j]!;
      return x;
    })(), set.n);
    expect(accuracy(p, set.labels)).toBeGreaterThan(0.95);

    // The library's own scores on the same standardised data: P(y != 1) = its sigmoid; ours is 1 - that.
    const require = createRequire(import.meta.url);
    const Lib = require('ml-logistic-regression') as { load(m: unknown): { classifiers: Array<{ testScores(x: Matrix): number[] }> } };
    const w = (artifact.model as { weights: number[][] }).weights[0]!.map((v) => -v);
    const lib = Lib.load({ name: 'LogisticRegression', numberClasses: 2, classifiers: [{ weights: [w] }, { weights: [w] }] });
    const { mean, std } = artifact.normalisation;
    const x = new Matrix(set.n, 4);
    for (let i = 0; i < set.n; i++) {
      for (let j = 0; j < 3; j++) x.set(i, j, (set.rows[i * 3 + j]! - mean[j]!) / std[j]!);
      x.set(i, 3, 1);
    }
    const theirs = lib.classifiers[1]!.testScores(x);
    for (let i = 0; i < 20; i++) expect(p[i]!).toBeCloseTo(1 - theirs[i]!, 5);
  });
});

describe('xgboost head', () => {
  it('trains, round-trips through its artifact, and predicts the same after loading', async () => {
    const set = toy(300);
    const artifact = await trainXgbHead(set, { name: 'toyx', task: 'rerank' }, { iterations: 30, maxDepth: 3 });
    const reparsed = parseArtifact(JSON.stringify(artifact), 'mem.json');
    const head = await createPredictor(reparsed);
    const p = head.predict(set.rows, set.n);
    expect(p.length).toBe(set.n);
    expect(accuracy(p, set.labels)).toBeGreaterThan(0.95);
    const again = await createPredictor(reparsed);
    expect(Array.from(again.predict(set.rows, 10))).toEqual(Array.from(p.slice(0, 10)));
    head.dispose();
    again.dispose();
  });
});

describe('artifacts', () => {
  it('refuses a head trained on other features and lists the difference', () => {
    expect(() => checkFeatures({ name: 'h', features: ['a', 'b', 'x'] }, ['a', 'b', 'c'])).toThrow(/missing \["c"\], extra \["x"\]/);
    expect(() => checkFeatures({ name: 'h', features: ['b', 'a'] }, ['a', 'b'])).toThrow(/another order/);
    expect(() => checkFeatures({ name: 'h', features: ['a', 'b'] }, ['a', 'b'])).not.toThrow();
  });

  it('names the file and the problem for broken artifacts', () => {
    expect(() => parseArtifact('{not json', '/x/h.json')).toThrow(/\/x\/h\.json.*not valid JSON/);
    expect(() => parseArtifact(JSON.stringify({ format: 'strata-head/1', type: 'lr' }), '/x/h.json')).toThrow(/not a strata head artifact/);
  });

  it('computes normalisation statistics', () => {
    expect(normalisationOf(Float32Array.of(1, 10, 3, 30), 2, 2)).toEqual({ mean: [2, 20], std: [1, 10] });
  });
});

describe('head store', () => {
  it('serves the built-in default, loads artifacts, and keeps the old head when a reload finds it broken', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-heads-'));
    const set = toy(200);
    const names = ['a', 'b', 'noise'];
    const store = await openHeadStore({ dir, rerankFeatures: names });
    expect(store.get('default').artifact.version).toBe('builtin-1');

    const good = trainLrHead(set, { name: 'toy', task: 'rerank' }, { steps: 100 });
    await writeFile(path.join(dir, 'toy.json'), JSON.stringify(good));
    expect((await store.reload()).loaded).toContain('toy');
    const before = store.get('toy').predict(set.rows, 5);

    await writeFile(path.join(dir, 'toy.json'), '{"format":"strata-head/1"');
    const result = await store.reload();
    expect(result.refused).toEqual([{ file: 'toy.json', error: expect.stringMatching(/not valid JSON/) }]);
    expect(Array.from(store.get('toy').predict(set.rows, 5))).toEqual(Array.from(before));

    const wrong = trainLrHead({ ...set, names: ['a', 'b', 'other'] }, { name: 'wrong', task: 'rerank' }, { steps: 10 });
    await writeFile(path.join(dir, 'wrong.json'), JSON.stringify(wrong));
    const r2 = await store.reload();
    expect(r2.refused.find((r) => r.file.endsWith('wrong.json'))?.error).toMatch(/missing \["noise"\], extra \["other"\]/);
    expect(() => store.get('wrong')).toThrow(/head "wrong"/);
    expect(store.refused()).toEqual(r2.refused.map((r) => ({ ...r, path: path.join(dir, r.file) })));
    expect(store.refused('acme')).toEqual(r2.refused);
    store.close();

    // Refusals at open are kept for the service to report, not dropped.
    const reopened = await openHeadStore({ dir, rerankFeatures: names });
    expect(reopened.refused().map((r) => path.basename(r.file))).toEqual(['toy.json', 'wrong.json']);
    reopened.close();
  });
});
