import { describe, expect, it } from 'vitest';
import { parseArtifact } from '../../service/heads/artifact.ts';
import { createPredictor } from '../../service/heads/predict.ts';
import { scoresFor } from '../../service/heads/abstain.ts';
import { trainClassifyOnRows, stratifiedHoldOut } from '../../training/classify/train-classify.ts';
import { createRng } from '../../training/eval/stats.ts';
import { ENCODERS, syntheticClasses } from './classify-fixtures.ts';

describe('train classify on embedded rows', () => {
  const data = syntheticClasses(10, 3);
  const known = [0, 1, 2, 3, 4, 5, 6, 7];
  const train = data.rows(known, 60);
  const test = data.rows([...known, 8, 9], 25);

  it('holds out a share of every label and keeps small labels whole', () => {
    const y = [...Array(20).fill(0), ...Array(3).fill(1)];
    const { fit, held } = stratifiedHoldOut(y, 0.25, createRng(1));
    expect(held.filter((i) => y[i] === 0)).toHaveLength(5);
    expect(held.filter((i) => y[i] === 1)).toHaveLength(0);
    expect([...fit, ...held].sort((a, b) => a - b)).toEqual(y.map((_, i) => i));
  });

  it('fits a block-weighted head, calibrates it and abstains on classes it never saw', async () => {
    const logs: string[] = [];
    const [lr] = await trainClassifyOnRows(
      { encoders: ENCODERS, x: train.x, y: train.y, test: { x: test.x, y: test.y } },
      { name: 'synth', types: ['lr'], oosTarget: { metric: 'oos_recall', value: 0.8 }, samples: 100, blockLr: { cs: [30], selectionRows: 300 }, log: (m) => logs.push(m) },
    );
    const r = lr!;
    // The artifact is what the service loads: it parses, and its fields agree with each other.
    const artifact = parseArtifact(JSON.stringify(r.artifact), 'synth-lr.json');
    expect(artifact.blocks?.map((b) => b.encoder)).toEqual(ENCODERS);
    expect(artifact.calibration?.temperature).toBeGreaterThan(0);
    expect(artifact.abstain).toMatchObject({ source: 'held-out-classes', target: { metric: 'oos_recall', value: 0.8 } });
    // The noisier chargram block is turned down, and each block's removal is measured.
    expect(r.blocks!.map((b) => b.weight)[1]).toBeLessThanOrEqual(1);
    expect(r.blocks!.every((b) => b.accuracyWithout !== null)).toBe(true);
    expect(r.test.accuracy).toBeGreaterThan(0.9);
    // The two unseen classes are caught far more often than known rows are turned away.
    const ev = r.evaluation!;
    expect(ev.oosRows).toBe(50);
    expect(ev.oos!.summary.auroc.value).toBeGreaterThan(0.8);
    expect(ev.oos!.summary.oosRecall.value).toBeGreaterThan(1 - ev.oos!.summary.inScopeRecall.value + 0.3);
    // Serving computes the same scores and decisions from the artifact alone.
    const head = await createPredictor(artifact);
    const out = head.classify!(test.x.rows, test.x.n);
    const scores = scoresFor(artifact, artifact.abstain!.score, out, test.x.n);
    const abstained = Array.from(scores).filter((s) => s < artifact.abstain!.threshold).length;
    expect(abstained / test.x.n).toBeCloseTo(1 - ev.oos!.summary.inScopeRecall.value * (200 / 250) - (1 - ev.oos!.summary.oosRecall.value) * (50 / 250), 6);
    head.dispose();
    expect(logs.some((l) => /ECE/.test(l))).toBe(true);
  });

  it('uses labelled out-of-scope rows for the threshold when given', async () => {
    const oos = data.rows([8, 9], 20).x;
    const [lr] = await trainClassifyOnRows(
      { encoders: ENCODERS, x: train.x, y: train.y, oos },
      { name: 'synth', types: ['lr'], oosTarget: { metric: 'precision', value: 0.9 }, ablation: false, blockLr: { cs: [30], levels: [1], selectionRows: 300 } },
    );
    expect(lr!.abstain).toMatchObject({ source: 'oos-file' });
    expect(lr!.abstain!.estimate.inScopePrecision).toBeGreaterThanOrEqual(0.9);
  });

  it('trains XGBoost on principal components of the weighted blocks', async () => {
    const [xgb] = await trainClassifyOnRows(
      { encoders: ENCODERS, x: train.x, y: train.y, test: { x: test.x, y: test.y } },
      { name: 'synth', types: ['xgb'], xgb: { dims: 16, iterations: 20 }, proxyDraws: 0, samples: 50 },
    );
    const artifact = parseArtifact(JSON.stringify(xgb!.artifact), 'synth-xgb.json');
    expect(artifact.projection?.components).toHaveLength(16);
    expect(xgb!.reduction!.explained).toBeGreaterThan(0);
    expect(xgb!.test.accuracy).toBeGreaterThan(0.8);
  });
});
