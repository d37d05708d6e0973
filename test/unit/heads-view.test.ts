import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureNames } from '../../service/features/assemble.ts';
import { featureScope, missingScopes, viewFeatures } from '../../service/features/scopes.ts';
import { builtinInlineHead, builtinRerankHead, openHeadStore } from '../../service/heads/store.ts';
import { checkHeadFeatures, chooseRerankHead, headScopes } from '../../service/heads/view.ts';

const names = featureNames({ textEncoders: ['text/minilm'] });

describe('feature scopes and views', () => {
  it('marks Elasticsearch first-stage features as index features and keeps the rest for inline heads', () => {
    expect(featureScope('fs:bm25_norm')).toBe('index');
    expect(featureScope('loc:bm25_norm')).toBe('request');
    const inline = viewFeatures(names, 'inline');
    expect(inline.some((n) => n.startsWith('fs:'))).toBe(false);
    expect(inline).toContain('loc:fused_rrank');
    expect(viewFeatures(names, 'index')).toEqual(names);
    expect(missingScopes(names, new Set(['request']))).toEqual(names.filter((n) => n.startsWith('fs:')));
  });

  it('records the view of the built-in heads and derives it for older artifacts', () => {
    expect(headScopes(builtinRerankHead(names))).toMatchObject({ view: 'index' });
    const inline = builtinInlineHead(names);
    expect(headScopes(inline)).toMatchObject({ view: 'inline', index: [] });
    expect(headScopes({ features: ['text/minilm:sim', 'fs:bm25_norm'] })).toEqual({ view: 'index', index: ['fs:bm25_norm'], request: ['text/minilm:sim'] });
    expect(() => checkHeadFeatures({ name: 'h', features: ['text/minilm:sim', 'nope'] }, names)).toThrow(/missing \["nope"\]/);
    expect(() => checkHeadFeatures({ name: 'h', features: [...names].reverse() }, names)).not.toThrow();
  });
});

describe('chooseRerankHead', () => {
  it('serves index heads by id, and stands in an inline head for inline documents, saying why', async () => {
    const store = await openHeadStore({ dir: await mkdtemp(path.join(tmpdir(), 'strata-view-')), rerankFeatures: names });
    const get = (n: string) => store.get(n, 'rerank');
    const has = (n: string) => store.has(n);
    expect(chooseRerankHead(get, has, 'default', new Set(['index', 'request']))).toEqual({ predictor: get('default') });
    const inline = chooseRerankHead(get, has, 'default', new Set(['request']));
    expect(inline.predictor.artifact.name).toBe('default-inline');
    expect(inline.fallback).toEqual({ requested: 'default', reason: expect.stringMatching(/head "default" uses index features \(fs:bm25_score, .*\) that documents sent inline do not have/) });
    expect(chooseRerankHead(get, has, 'default-inline', new Set(['request']))).toEqual({ predictor: get('default-inline') });
    expect(() => chooseRerankHead(get, has, 'missing', new Set(['request']))).toThrow(/head "missing"/);
    store.close();
  });

  it('prefers the inline head trained beside the requested one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-view-'));
    await writeFile(path.join(dir, 'shop-xgb.json'), JSON.stringify({ ...builtinRerankHead(names), name: 'shop-xgb' }));
    await writeFile(path.join(dir, 'shop-inline-xgb.json'), JSON.stringify({ ...builtinInlineHead(names), name: 'shop-inline-xgb' }));
    const store = await openHeadStore({ dir, rerankFeatures: names });
    const chosen = chooseRerankHead((n) => store.get(n, 'rerank'), (n) => store.has(n), 'shop-xgb', new Set(['request']));
    expect(chosen.predictor.artifact.name).toBe('shop-inline-xgb');
    expect(chosen.fallback?.requested).toBe('shop-xgb');
    store.close();
  });
});
