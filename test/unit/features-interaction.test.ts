import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { assembleFeatures, featureNames, interactionDimsOf, type FeatureCandidate, type FeatureQuery } from '../../service/features/assemble.ts';
import { interactionFeatures, projectionSign } from '../../service/features/interaction.ts';
import { builtinRerankHead, openHeadStore } from '../../service/heads/store.ts';
import { reassembleGroups, xgbRowCap, type QueryGroup } from '../../training/rerank/collect.ts';
import { nonNegativeInt } from '../../training/runtime.ts';

const ENCODERS = ['text/a', 'text/b'];

/** A seeded unit vector (an LCG, so the fixture is the same in every run). */
function unit(n: number, seed: number): Float32Array {
  let s = seed;
  const v = Float32Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const query: FeatureQuery = { text: 'quiet dishwasher', vectors: { 'text/a': unit(24, 1), 'text/b': unit(16, 2) }, now: new Date('2026-01-01') };
const candidates: FeatureCandidate[] = Array.from({ length: 5 }, (_, i) => ({
  id: `d${i}`,
  doc: { title: `dishwasher ${i}`, description: 'a quiet one', price: 400 + i },
  vectors: { 'text/a': unit(24, 10 + i), 'text/b': unit(16, 20 + i) },
  firstStage: { bm25: { score: 5 - i, rank: i + 1 }, fusedRank: i + 1 },
}));

describe('interaction feature names', () => {
  it('appends ix:0..k-1 after the other features, and nothing when off (the default)', () => {
    const base = featureNames({ textEncoders: ENCODERS });
    expect(base).toHaveLength(24);
    expect(base.some((n) => n.startsWith('ix:'))).toBe(false);
    expect(featureNames({ textEncoders: ENCODERS, interactionDims: 0 })).toEqual(base);
    const with4 = featureNames({ textEncoders: ENCODERS, interactionDims: 4 });
    expect(with4).toEqual([...base, 'ix:0', 'ix:1', 'ix:2', 'ix:3']);
    expect(interactionDimsOf(with4)).toBe(4);
    expect(interactionDimsOf(base)).toBe(0);
  });
});

describe('assembleFeatures with interactionDims', () => {
  it('leaves the output unchanged when off', () => {
    const off = assembleFeatures(query, candidates, { textEncoders: ENCODERS });
    const zero = assembleFeatures(query, candidates, { textEncoders: ENCODERS, interactionDims: 0 });
    expect(zero.names).toEqual(off.names);
    expect(Array.from(zero.rows)).toEqual(Array.from(off.rows));
    expect(off.rows.length).toBe(candidates.length * 24);
  });

  it('keeps the other features and adds k columns equal to the documented projection of q⊙d', () => {
    const k = 8;
    const off = assembleFeatures(query, candidates, { textEncoders: ENCODERS });
    const on = assembleFeatures(query, candidates, { textEncoders: ENCODERS, interactionDims: k });
    const d = on.names.length;
    expect(d).toBe(24 + k);
    candidates.forEach((c, r) => {
      expect(Array.from(on.rows.subarray(r * d, r * d + 24))).toEqual(Array.from(off.rows.subarray(r * 24, (r + 1) * 24)));
      for (let i = 0; i < k; i++) {
        let want = 0;
        ENCODERS.forEach((e, block) => {
          const q = query.vectors[e]!;
          const v = c.vectors[e]!;
          for (let t = 0; t < q.length; t++) want += projectionSign(block, t, i) * q[t]! * v[t]!;
        });
        expect(on.rows[r * d + 24 + i]!).toBeCloseTo(want / Math.sqrt(k), 5);
      }
    });
  });

  it('is deterministic across calls and across fresh module state (stored numbers)', async () => {
    const a = assembleFeatures(query, candidates, { textEncoders: ENCODERS, interactionDims: 16 });
    const b = assembleFeatures(query, candidates, { textEncoders: ENCODERS, interactionDims: 16 });
    expect(Array.from(b.rows)).toEqual(Array.from(a.rows));

    vi.resetModules();
    const fresh = await import('../../service/features/assemble.ts');
    expect(fresh.assembleFeatures).not.toBe(assembleFeatures); // a new module instance: empty projection cache
    const c = fresh.assembleFeatures(query, candidates, { textEncoders: ENCODERS, interactionDims: 16 });
    expect(Array.from(c.rows)).toEqual(Array.from(a.rows));

    // Pinned so a change to the seed or hash (which would silently invalidate trained heads) fails here.
    expect(Array.from({ length: 12 }, (_, t) => projectionSign(0, t, 0))).toEqual([-1, -1, -1, -1, -1, 1, -1, 1, 1, -1, -1, 1]);
    const ix = interactionFeatures([Float32Array.from([0.6, 0.8, 0]), Float32Array.from([1, 0])], [Float32Array.from([0.8, 0, 0.6]), Float32Array.from([0.5, 0.5])], 4);
    [0.01, -0.01, 0.01, -0.49].forEach((v, i) => expect(ix[i]!).toBeCloseTo(v, 6));
  });

  it('depends on which dimensions agree, not only on the cosine', () => {
    const n = 8;
    const q = new Float32Array(n).fill(1 / Math.sqrt(n));
    const e0 = new Float32Array(n);
    e0[0] = 1;
    const e1 = new Float32Array(n);
    e1[1] = 1;
    const docs: FeatureCandidate[] = [e0, e1].map((v, i) => ({ id: `d${i}`, doc: {}, vectors: { 'text/a': v } }));
    const { names, rows } = assembleFeatures({ text: 'q', vectors: { 'text/a': q } }, docs, { textEncoders: ['text/a'], interactionDims: 16 });
    const d = names.length;
    const sim = names.indexOf('text/a:sim');
    expect(rows[sim]!).toBeCloseTo(rows[d + sim]!, 6);
    const ix = (r: number) => Array.from(rows.subarray(r * d + d - 16, (r + 1) * d));
    expect(ix(0)).not.toEqual(ix(1));
    expect(ix(0).every((x) => Math.abs(x) > 0)).toBe(true);
  });

  it('gives zeros for an encoder whose vector is missing, without touching the other block', () => {
    const k = 4;
    const only = (c: FeatureCandidate): FeatureCandidate => ({ ...c, vectors: { 'text/a': c.vectors['text/a'] } });
    const full = interactionFeatures([query.vectors['text/a']], [candidates[0]!.vectors['text/a']], k);
    const { names, rows } = assembleFeatures(query, [only(candidates[0]!)], { textEncoders: ENCODERS, interactionDims: k });
    expect(Array.from(rows.subarray(names.length - k))).toEqual(Array.from(full));
    const none = assembleFeatures(query, [{ ...candidates[0]!, vectors: {} }], { textEncoders: ENCODERS, interactionDims: k });
    expect(Array.from(none.rows.subarray(none.names.length - k))).toEqual([0, 0, 0, 0]);
  });
});

describe('serving and training wiring', () => {
  it('reads STRATA_INTERACTION_DIMS (default 0) and refuses a bad value', () => {
    expect(loadConfig({}).retrieval.interactionDims).toBe(0);
    expect(loadConfig({ STRATA_INTERACTION_DIMS: '16' }).retrieval.interactionDims).toBe(16);
    expect(() => loadConfig({ STRATA_INTERACTION_DIMS: '-1' })).toThrow(/STRATA_INTERACTION_DIMS/);
    expect(nonNegativeInt('32', '--interaction-dims')).toBe(32);
    expect(() => nonNegativeInt('', '--interaction-dims')).toThrow(/--interaction-dims/);
    expect(() => nonNegativeInt('1.5', '--interaction-dims')).toThrow(/whole number/);
  });

  it('refuses a head trained with interactions when the service assembles without them, and the reverse', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-heads-ix-'));
    const withIx = featureNames({ textEncoders: ENCODERS, interactionDims: 4 });
    const without = featureNames({ textEncoders: ENCODERS });
    await writeFile(path.join(dir, 'ix.json'), JSON.stringify({ ...builtinRerankHead(withIx), name: 'ix' }));
    await writeFile(path.join(dir, 'plain.json'), JSON.stringify({ ...builtinRerankHead(without), name: 'plain' }));

    const off = await openHeadStore({ dir, rerankFeatures: without });
    const r = await off.reload();
    expect(r.loaded).toContain('plain');
    expect(r.refused).toEqual([
      { file: 'ix.json', error: 'head "ix" was trained on other features than the assembler produces: missing [], extra ["ix:0","ix:1","ix:2","ix:3"]' },
    ]);
    expect(() => off.get('ix')).toThrow(/head "ix"/);
    off.close();

    const on = await openHeadStore({ dir, rerankFeatures: withIx });
    const r2 = await on.reload();
    expect(r2.loaded).toContain('ix');
    expect(r2.refused.map((x) => x.error)).toEqual([expect.stringMatching(/head "plain" .* missing \["ix:0","ix:1","ix:2","ix:3"\], extra \[\]/)]);
    on.close();
  });

  it('rebuilds kept groups with other interactionDims exactly as a fresh assembly would', () => {
    const group: QueryGroup = {
      queryId: 'q1',
      ids: candidates.map((c) => c.id),
      rows: assembleFeatures(query, candidates, { textEncoders: ENCODERS }).rows,
      candidates,
      query,
    };
    const { names, groups } = reassembleGroups([group], { textEncoders: ENCODERS, interactionDims: 8 });
    expect(names).toEqual(featureNames({ textEncoders: ENCODERS, interactionDims: 8 }));
    expect(Array.from(groups[0]!.rows)).toEqual(Array.from(assembleFeatures(query, candidates, { textEncoders: ENCODERS, interactionDims: 8 }).rows));
    expect(groups[0]!.ids).toEqual(group.ids);
    expect(() => reassembleGroups([{ queryId: 'q2', ids: [], rows: new Float32Array(0) }], { textEncoders: ENCODERS })).toThrow(/keepCandidates/);
  });

  it('caps XGBoost rows so wider interaction rows still fit its heap, leaving 24-feature heads as they were', () => {
    expect(xgbRowCap(40_000, 24)).toBe(40_000);
    expect(xgbRowCap(40_000, 24 + 16)).toBe(30_000);
    expect(xgbRowCap(40_000, 24 + 32)).toBe(21_428);
    expect(xgbRowCap(10_000, 56)).toBe(10_000);
  });
});
