/**
 * Head artifacts are checked in full before they serve: finite, sane numbers; one weight row per label; known
 * encoders whose dims add up; the name equal to the file name; no second claim on a name; nothing of the file's
 * contents (or an absolute path) in what a tenant sees.
 */
import { mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArtifact, type HeadArtifact } from '../../service/heads/artifact.ts';
import { artifactProblems } from '../../service/heads/check-artifact.ts';
import { openHeadStore } from '../../service/heads/store.ts';

const FEATURES = ['a', 'b'];
const rerank = (over: Partial<HeadArtifact> = {}): HeadArtifact =>
  ({
    format: 'strata-head/1',
    type: 'lr',
    name: 'default',
    version: '1',
    task: 'rerank',
    features: FEATURES,
    normalisation: { mean: [0, 0], std: [1, 1] },
    model: { kind: 'sigmoid', weights: [[1, -1, 0.5]] },
    metrics: {},
    trainingDataHash: '',
    trainer: '',
    createdAt: '2026-01-01T00:00:00Z',
    ...over,
  }) as HeadArtifact;
const classify = (over: Record<string, unknown> = {}): HeadArtifact =>
  rerank({
    name: 'intents',
    task: 'classify',
    features: ['geo/location#0', 'geo/location#1', 'geo/location#2'],
    encoders: ['geo/location'],
    labels: ['pin', 'delivery'],
    normalisation: { mean: [0, 0, 0], std: [1, 1, 1] },
    model: { kind: 'softmax', weights: [[1, 0, 0, 0], [0, 1, 0, 0]] },
    ...over,
  } as Partial<HeadArtifact>);
const dims = new Map([['geo/location', 3], ['text/minilm', 384]]);

describe('artifact checks', () => {
  it('accepts consistent heads', () => {
    expect(artifactProblems(rerank())).toEqual([]);
    expect(artifactProblems(classify(), { encoderDims: dims })).toEqual([]);
  });

  it('refuses weights that overflow to NaN, more labels than weight rows, unknown encoders and dims that do not add up', () => {
    expect(artifactProblems(rerank({ model: { kind: 'sigmoid', weights: [[1e308, 1e308, 0]] } } as Partial<HeadArtifact>))).toEqual([expect.stringMatching(/model\.weights\.0\.0 exceeds 1000000/)]);
    expect(artifactProblems(classify({ labels: ['pin', 'delivery', 'refund'] }), { encoderDims: dims })).toEqual([expect.stringMatching(/2 rows for 3 labels/)]);
    expect(artifactProblems(classify({ encoders: ['text/nope'] }), { encoderDims: dims })).toEqual([expect.stringMatching(/unknown encoders \["text\/nope"\]/)]);
    expect(artifactProblems(classify({ encoders: ['text/minilm'] }), { encoderDims: dims })).toEqual([expect.stringMatching(/give 384 dims but the head has 3 features/)]);
    expect(artifactProblems(classify({ labels: ['pin', 'pin'] }), { encoderDims: dims })).toEqual([expect.stringMatching(/labels repeat/)]);
    expect(artifactProblems(rerank({ normalisation: { mean: [0, 0], std: [1, -2] } }))).toEqual([expect.stringMatching(/std\.1 is negative/)]);
    expect(artifactProblems(rerank({ model: { kind: 'sigmoid', weights: [[1, 1]] } } as Partial<HeadArtifact>))).toEqual([expect.stringMatching(/2 values for 2 features \(features \+ bias: 3\)/)]);
  });

  it('never quotes the file in its errors', () => {
    const secret = 'root:x:0:0:root:/root:/bin/bash';
    expect(() => parseArtifact(secret, 'passwd.json')).toThrow(/passwd\.json: not valid JSON$/);
    try {
      parseArtifact(secret, 'passwd.json');
    } catch (err) {
      expect((err as Error).message).not.toContain('root:x');
    }
    expect(() => parseArtifact(JSON.stringify(rerank({ model: { kind: 'sigmoid', weights: [[Infinity, 0, 0]] } } as Partial<HeadArtifact>)).replace('null', '1e999'), 'h.json')).toThrow(/h\.json/);
  });
});

describe('head store checks', () => {
  it('refuses a name that differs from the file name, a file outside the directory, and keeps paths from tenants', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-heads-'));
    const outside = path.join(await mkdtemp(path.join(tmpdir(), 'strata-outside-')), 'secret.json');
    await writeFile(outside, JSON.stringify(rerank({ name: 'linked' })));
    await writeFile(path.join(dir, 'other.json'), JSON.stringify(rerank({ name: 'default' })));
    await writeFile(path.join(dir, 'huge.json'), JSON.stringify(rerank({ name: 'huge', model: { kind: 'sigmoid', weights: [[1e300, 0, 0]] } } as Partial<HeadArtifact>)));
    await symlink(outside, path.join(dir, 'linked.json'));
    const store = await openHeadStore({ dir, rerankFeatures: FEATURES });
    const refused = store.refused('acme');
    expect(refused.map((r) => r.file).sort()).toEqual(['huge.json', 'linked.json', 'other.json']);
    expect(refused.find((r) => r.file === 'other.json')!.error).toMatch(/its name "default" differs from its file name \(expected "other"\)/);
    expect(refused.find((r) => r.file === 'linked.json')!.error).toMatch(/link to a file outside the heads directory/);
    expect(JSON.stringify(refused)).not.toContain(dir);
    // The built-in default still serves: the file claiming "default" under another name did not replace it.
    expect(store.get('default').artifact.version).toBe('builtin-1');
    expect(store.refused().every((r) => r.path?.startsWith(dir))).toBe(true);
    store.close();
  });

  it('gives each tenant its own heads and the shared ones, never another tenant\'s', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-heads-'));
    await writeFile(path.join(dir, 'shared.json'), JSON.stringify(rerank({ name: 'shared', version: 's' })));
    await writeFile(path.join(dir, 'acme--default.json'), JSON.stringify(rerank({ name: 'acme--default', version: 'acme' })));
    await writeFile(path.join(dir, 'acme-corp--private.json'), JSON.stringify(rerank({ name: 'acme-corp--private', version: 'corp' })));
    const store = await openHeadStore({ dir, rerankFeatures: FEATURES });
    expect(store.get('default', 'rerank', 'acme').artifact.version).toBe('acme');
    expect(store.get('default', 'rerank', 'acme-corp').artifact.version).toBe('builtin-1');
    expect(store.get('private', 'rerank', 'acme-corp').artifact.version).toBe('corp');
    expect(() => store.get('private', 'rerank', 'acme')).toThrow(/^head "private" \(available: acme--default, default, shared\) not found$/);
    expect(() => store.get('acme-corp--private', 'rerank', 'acme')).toThrow(/^head "acme-corp--private" \(available: acme--default, default, shared\) not found$/);
    expect(store.list('acme').map((h) => h.name).sort()).toEqual(['acme--default', 'default', 'shared']);
    expect(store.list('acme').every((h) => !('path' in h) && (h.file === null || !h.file.includes('/')))).toBe(true);
    expect(store.list('*').map((h) => h.name).sort()).toEqual(['acme--default', 'acme-corp--private', 'default', 'shared']);
    store.close();
  });
});
