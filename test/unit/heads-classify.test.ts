import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArtifact, type HeadArtifact } from '../../service/heads/artifact.ts';
import { abstainRule, inScopeScores } from '../../service/heads/abstain.ts';
import { createPredictor } from '../../service/heads/predict.ts';
import { openHeadStore } from '../../service/heads/store.ts';

/** Two encoder blocks of two features, three labels, temperature 2, abstaining on the centroid cosine. */
function head(): HeadArtifact {
  return {
    format: 'strata-head/1',
    type: 'lr',
    name: 'intents',
    version: '1',
    task: 'classify',
    features: ['a/x#0', 'a/x#1', 'b/y#0', 'b/y#1'],
    encoders: ['a/x', 'b/y'],
    labels: ['p', 'q', 'r'],
    normalisation: { mean: [1, 0, 0, 0], std: [1, 1, 1, 1] },
    model: { kind: 'softmax', weights: [[2, 0, 1, 0, 0.1], [0, 2, 0, 1, 0], [-2, -2, 0, 0, 0]] },
    metrics: {},
    trainingDataHash: '',
    trainer: 'test',
    createdAt: '2026-01-01T00:00:00.000Z',
    blocks: [{ encoder: 'a/x', dim: 2, weight: 1 }, { encoder: 'b/y', dim: 2, weight: 0.5 }],
    calibration: { method: 'temperature', temperature: 2, rows: 10 },
    abstain: { score: 'centroid', threshold: 0.5, target: { metric: 'precision', value: 0.95 }, source: 'held-out-classes', estimate: {}, centroids: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]] },
  };
}

const parse = (a: unknown) => parseArtifact(JSON.stringify(a), '/heads/intents.json');

describe('classify artifacts: the abstain fields must agree', () => {
  it('accepts a consistent head', () => {
    expect(parse(head()).abstain?.score).toBe('centroid');
  });

  const broken: Array<[string, (a: HeadArtifact) => unknown, RegExp]> = [
    ['block widths that do not add up', (a) => ({ ...a, blocks: [{ encoder: 'a/x', dim: 3, weight: 1 }, { encoder: 'b/y', dim: 2, weight: 1 }] }), /blocks: widths add up to 5, the head has 4 features/],
    ['blocks of other encoders', (a) => ({ ...a, blocks: [{ encoder: 'b/y', dim: 2, weight: 1 }, { encoder: 'a/x', dim: 2, weight: 1 }] }), /blocks: encoders/],
    ['a threshold without its calibration', (a) => ({ ...a, calibration: undefined }), /abstain: .*calibration is missing/],
    ['a probability threshold above 1', (a) => ({ ...a, abstain: { ...a.abstain, score: 'max_probability', threshold: 1.5 } }), /abstain.threshold: 1.5 is outside \[0, 1\]/],
    ['a centroid score without centroids', (a) => ({ ...a, abstain: { ...a.abstain, centroids: undefined } }), /abstain.centroids: the centroid score needs/],
    ['a centroid per label missing', (a) => ({ ...a, abstain: { ...a.abstain, centroids: [[1, 0, 0, 0]] } }), /abstain.centroids: 1 rows for 3 labels/],
    ['centroids of the wrong width', (a) => ({ ...a, abstain: { ...a.abstain, centroids: [[1, 0], [0, 1], [1, 1]] } }), /abstain.centroids\[0\]: 2 values for 4 features/],
    ['a projection on an LR head', (a) => ({ ...a, projection: { kind: 'pca', components: [[1, 0, 0, 0]] } }), /projection: only XGBoost heads/],
    ['abstain fields on a rerank head', (a) => ({ ...a, task: 'rerank', labels: undefined }), /only classify heads carry these fields/],
    ['an unknown score', (a) => ({ ...a, abstain: { ...a.abstain, score: 'entropy' } }), /abstain.score/],
    ['a target outside (0, 1]', (a) => ({ ...a, abstain: { ...a.abstain, target: { metric: 'precision', value: 1.2 } } }), /abstain.target.value/],
    ['a non-positive temperature', (a) => ({ ...a, calibration: { ...a.calibration, temperature: 0 } }), /calibration.temperature/],
  ];
  for (const [what, edit, message] of broken) {
    it(`refuses ${what}, naming the file and the field`, () => {
      expect(() => parse(edit(head()))).toThrow(message);
      expect(() => parse(edit(head()))).toThrow(/\/heads\/intents\.json/);
    });
  }

  it('refuses an inconsistent artifact on reload and keeps serving the previous one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-heads-'));
    await writeFile(path.join(dir, 'intents.json'), JSON.stringify(head()));
    // The fixture's encoders are made up: the store is told their dims (it refuses unknown encoders).
    const store = await openHeadStore({ dir, rerankFeatures: ['f'], encoderDims: new Map([['a/x', 2], ['b/y', 2]]) });
    await writeFile(path.join(dir, 'intents.json'), JSON.stringify({ ...head(), calibration: undefined }));
    const { refused } = await store.reload();
    expect(refused[0]?.error).toMatch(/calibration is missing/);
    expect(store.get('intents', 'classify').artifact.calibration?.temperature).toBe(2);
    store.close();
  });
});

describe('classify prediction', () => {
  it('centres, weights the blocks, applies the temperature, and scores as defined', async () => {
    const a = parse(head());
    const p = await createPredictor(a);
    const out = p.classify!(Float32Array.of(4, 4, 0, 2), 1);
    // Centred: (3, 4 | 0, 2) -> block a to unit length (0.6, 0.8), block b to length 0.5 (0, 0.5).
    expect(Array.from(out.space)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6), 0, expect.closeTo(0.5, 6)]);
    const logits = [2 * 0.6 + 0.1, 2 * 0.8 + 0.5, -2 * 0.6 - 2 * 0.8];
    expect(Array.from(out.logits)).toEqual(logits.map((v) => expect.closeTo(v, 5)));
    const e = logits.map((v) => Math.exp(v / 2));
    expect(Array.from(out.probs)).toEqual(e.map((v) => expect.closeTo(v / e.reduce((s, t) => s + t, 0), 5)));
    expect(Array.from(p.predict(Float32Array.of(4, 4, 0, 2), 1))).toEqual(Array.from(out.probs));
    const energy = 2 * Math.log(e.reduce((s, t) => s + t, 0));
    expect(inScopeScores('energy', out, 1, { temperature: 2 })[0]).toBeCloseTo(energy, 5);
    expect(inScopeScores('max_probability', out, 1, {})[0]).toBeCloseTo(Math.max(...out.probs), 6);
    // Nearest centroid (0, 1, 0, 0): cosine 0.8 / |space| = 0.8 / sqrt(1.25).
    expect(inScopeScores('centroid', out, 1, { centroids: a.abstain!.centroids })[0]).toBeCloseTo(0.8 / Math.sqrt(1.25), 5);
  });

  it("applies the head's rule unless the request gives a threshold", () => {
    const a = parse(head());
    expect(abstainRule(a)).toEqual({ score: 'centroid', threshold: 0.5, source: 'head' });
    expect(abstainRule(a, 0.9)).toEqual({ score: 'centroid', threshold: 0.9, source: 'request' });
    expect(abstainRule({ abstain: undefined })).toBeNull();
    expect(abstainRule({ abstain: undefined }, 0.4)).toEqual({ score: 'max_probability', threshold: 0.4, source: 'request' });
  });
});
