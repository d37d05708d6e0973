import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitFusion, fusedRun, type QueryLists } from '../../training/fusion/fit-fusion.ts';
import { applyWeights, initAdapter, trainAdapter, type AdapterExample } from '../../training/adapt/train-adapter.ts';
import { adapterDevGain } from '../../training/adapt/adapt.ts';
import { attributeComboQuery, hardenQuery, idfOf, matchesQuery, pseudoQueries, type SynthDoc } from '../../training/synth/queries.ts';
import { readJudgments } from '../../training/data/judgments.ts';
import { viewGroups } from '../../training/rerank/train-rerank.ts';
import { asInlineString, selectColumns } from '../../training/rerank/collect.ts';
import { compareRuns, parseComparisons } from '../../training/eval/compare.ts';
import { plannedSystems } from '../../training/rerank/eval-rerank.ts';
import { createRng } from '../../training/eval/stats.ts';
import type { Qrels } from '../../training/data/beir.ts';

describe('fitFusion', () => {
  // Two kinds of queries: on "code" queries only BM25 finds the relevant document, on the rest only kNN does.
  const lists = new Map<string, QueryLists>();
  const qrels: Qrels = new Map();
  for (let i = 0; i < 20; i++) {
    const code = i % 4 === 0;
    const rel = `r${i}`;
    const others = Array.from({ length: 5 }, (_, j) => ({ id: `x${i}-${j}`, score: 1 - j / 10 }));
    lists.set(`q${i}`, {
      query: code ? `AB12CD${i} part` : `meaning ${i}`,
      bm25: code ? [{ id: rel, score: 9 }, ...others] : [...others, { id: rel, score: 0.1 }],
      knn: code ? [...others, { id: rel, score: 0.1 }] : [{ id: rel, score: 0.95 }, ...others],
    });
    qrels.set(`q${i}`, new Map([[rel, 1]]));
  }

  it('keeps the endpoints in its grid, so it is never below the better of BM25 alone and kNN alone', () => {
    const fit = fitFusion(lists, qrels, { codeShifts: [], gapShifts: [] });
    const ndcgOf = (w: number) => fit.grid.find((g) => g.fusion.method === 'rrf' && g.fusion.bm25Weight === w)!.ndcg10;
    expect(fit.ndcg10).toBeGreaterThanOrEqual(Math.max(ndcgOf(0), ndcgOf(1)));
    expect(fit.fusion.bm25Weight).toBeLessThan(0.5); // most queries need kNN
  });

  it('learns to shift toward BM25 for product codes when that helps', () => {
    const fit = fitFusion(lists, qrels);
    expect(fit.fusion.codeShift).toBeGreaterThan(0);
    const run = fusedRun(lists, fit.fusion);
    for (const [id, l] of lists) expect(run.get(id)![0]).toBe(l.query.startsWith('AB') ? l.bm25[0]!.id : l.knn[0]!.id);
  });
});

describe('trainAdapter', () => {
  it('starts as the identity and learns a map that puts each query next to its document', () => {
    const dim = 16;
    const rand = createRng(3);
    const unit = (v: Float32Array) => v.map((x) => x / Math.hypot(...v));
    const rnd = () => unit(Float32Array.from({ length: dim }, () => rand() - 0.5));
    // Queries see the documents through a fixed rotation of two coordinates: a linear map undoes it.
    const docs = Array.from({ length: 60 }, rnd);
    const twist = (v: Float32Array) => unit(Float32Array.from(v, (x, i) => (i === 0 ? v[1]! : i === 1 ? -v[0]! : x) + 0.05 * (rand() - 0.5)));
    const examples: AdapterExample[] = docs.map((d, i) => ({ query: twist(d), positive: d, positiveId: `d${i}`, negatives: [docs[(i + 1) % docs.length]!] }));
    expect(Array.from(applyWeights(initAdapter(dim, 4), examples[0]!.query))).toEqual(Array.from(examples[0]!.query));
    const hits = (f: (v: Float32Array) => Float32Array) =>
      examples.filter((ex) => {
        const q = f(ex.query);
        const s = docs.map((d) => d.reduce((acc, x, j) => acc + x * q[j]!, 0));
        return docs[s.indexOf(Math.max(...s))] === ex.positive;
      }).length;
    const { weights, losses, bestEpoch } = trainAdapter(examples, dim, { rank: 4, epochs: 30, batchSize: 16, learningRate: 0.02, seed: 5, onEpoch: (_, w) => hits((v) => applyWeights(w, v)) });
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    expect(bestEpoch).toBeGreaterThan(0);
    expect(hits((v) => applyWeights(weights, v))).toBeGreaterThan(hits((v) => v));
  });

  it('attaches only on a significant dev gain: a small mean gain of noisy per-query changes is refused', () => {
    const rand = createRng(11);
    const identity = Array.from({ length: 500 }, () => rand());
    // SciFact's case: mean +0.009 over 500 dev queries whose nDCG@10 moves by ±0.15 each way.
    const noisy = identity.map((v) => v + 0.009 + (rand() < 0.5 ? -0.15 : 0.15));
    const small = adapterDevGain(noisy, identity);
    expect(small.meanDiff).toBeGreaterThan(0);
    expect(small.lower).toBeLessThan(0);
    expect(small.significant).toBe(false);
    // A consistent gain of the same size on most queries is significant.
    const steady = identity.map((v, i) => v + (i % 10 === 0 ? -0.01 : 0.012));
    const clear = adapterDevGain(steady, identity);
    expect(clear.lower).toBeGreaterThan(0);
    expect(clear.significant).toBe(true);
    expect(adapterDevGain(identity, identity).significant).toBe(false);
  });
});

describe('synthetic queries for dev and for catalogs', () => {
  const docs: SynthDoc[] = [
    { id: 's1', title: 'Turtle Men Navy Blue Shirt', text: '', category: 'apparel/topwear/shirts', attributes: { gender: 'Men', baseColour: 'Navy Blue' } },
    { id: 's2', title: 'Puma Men Navy Blue Shirt', text: '', category: 'apparel/topwear/shirts', attributes: { gender: 'Men', baseColour: 'Navy Blue' } },
    { id: 's3', title: 'Women Red Shirt', text: '', category: 'apparel/topwear/shirts', attributes: { gender: 'Women', baseColour: 'Red' } },
  ];
  const idf = idfOf(docs);

  it('asks for a category and attribute values, and every product that has them matches', () => {
    const q = attributeComboQuery(docs[0]!, createRng(1))!;
    expect(q.text.split(' ')).toContain('shirts');
    expect(q.match.leaf).toBe('shirts');
    expect(matchesQuery(docs[1], q.match)).toBe(true);
    expect(matchesQuery(docs[2], q.match)).toBe(false);
    expect(pseudoQueries(docs[0]!, idf, { perDoc: 2, rand: createRng(1) }).map((x) => x.strategy)).toEqual(['attribute-combo', 'title-fragment']);
  });

  it('hardens dev queries: the rarest word goes, others thin out, structured words only move', () => {
    const text = 'daily aspirin reduced colorectal adenoma recurrence in patients';
    const corpus = idfOf([{ id: 'a', title: '', text: 'patients daily reduced in' }, { id: 'b', title: '', text: 'patients daily aspirin recurrence reduced colorectal' }]);
    const hard = hardenQuery(text, corpus, createRng(2));
    expect(hard.split(' ')).toHaveLength(5);
    expect(hard).not.toContain('adenoma');
    expect(hardenQuery('navy blue shirts', corpus, createRng(2), { structured: true }).split(' ').sort()).toEqual(['blue', 'navy', 'shirts']);
  });
});

describe('judgments splits, inline views and comparisons', () => {
  it('reads the split column and refuses a query on both sides', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-judg-'));
    const file = path.join(dir, 'j.jsonl');
    await writeFile(file, ['{"query_id":"q1","query":"a","doc_id":"d1","grade":1,"split":"dev"}', '{"query_id":"q2","query":"b","doc_id":"d2","grade":1,"split":"train"}'].join('\n'));
    expect([...(await readJudgments(file)).splits]).toEqual([['q1', 'dev'], ['q2', 'train']]);
    await writeFile(file, ['{"query_id":"q1","query":"a","doc_id":"d1","grade":1,"split":"dev"}', '{"query_id":"q1","query":"a","doc_id":"d2","grade":0,"split":"train"}'].join('\n'));
    await expect(readJudgments(file)).rejects.toThrow(/split dev on an earlier line/);
  });

  it('keeps request features for the inline view and adds each window as strings', () => {
    const names = ['text/a:sim', 'fs:bm25_norm', 'loc:bm25_norm'];
    const group = { queryId: 'q', ids: ['d1', 'd2'], rows: Float32Array.of(1, 2, 3, 4, 5, 6), stringRows: Float32Array.of(7, 8, 9, 10, 11, 12) };
    const qrels: Qrels = new Map([['q', new Map([['d1', 1]])]]);
    const v = viewGroups([group], names, 'inline', qrels);
    expect(v.names).toEqual(['text/a:sim', 'loc:bm25_norm']);
    expect(v.groups.map((g) => [g.queryId, Array.from(g.rows)])).toEqual([['q', [1, 3, 4, 6]], ['q#string', [7, 9, 10, 12]]]);
    expect(v.qrels.get('q#string')).toBe(qrels.get('q'));
    expect(viewGroups([group], names, 'index', qrels).groups).toHaveLength(1);
    expect(Array.from(selectColumns(group.rows, names, ['loc:bm25_norm', 'text/a:sim']))).toEqual([3, 1, 6, 4]);
    expect(asInlineString({ id: 'x', doc: { title: 'T', description: 'B', price: 3 }, vectors: {} }).doc).toEqual({ title: '', description: 'T B' });
  });

  it('compares systems with paired intervals, against the better of two baselines too', () => {
    const qrels: Qrels = new Map(Array.from({ length: 30 }, (_, i) => [`q${i}`, new Map([[`r${i}`, 1]])]));
    const run = (hit: (i: number) => boolean) => new Map(Array.from({ length: 30 }, (_, i) => [`q${i}`, hit(i) ? [`r${i}`] : ['x']]));
    const rows = compareRuns(new Map([['a', run((i) => i < 10)], ['b', run((i) => i < 20)], ['c', run(() => true)]]), qrels, { against: { c: ['best(a,b)', 'a'] } });
    const c = rows.find((r) => r.system === 'c')!;
    expect(c.ndcg10.mean).toBe(1);
    expect(c.diffs[0]).toMatchObject({ baseline: 'best(a,b) = b', meanDiff: expect.closeTo(1 / 3, 9) });
    expect(c.diffs[0]!.lower).toBeGreaterThan(0);
    expect(c.diffs[1]!.pValue).toBeLessThan(0.01);
  });

  it('reads `eval rerank --compare` pairs against the systems the run will have, naming what is wrong', () => {
    const known = plannedSystems({ encoders: ['text/minilm', 'text/mpnet'], hybrid: ['text/mpnet'], heads: [{ name: 'a-lr' }, { name: 'b-lr' }] });
    expect(known).toEqual(['bm25', 'knn:text/minilm', 'knn:text/mpnet', 'hybrid:text/mpnet', 'hybrid', 'hybrid+a-lr', 'hybrid+b-lr']);
    expect(plannedSystems({ encoders: ['text/minilm', 'text/mpnet'], knn: ['text/mpnet'], heads: [] })).toEqual(['bm25', 'knn:text/mpnet', 'hybrid']);
    // a name given twice is one system (the run keeps one), so the report's check does not fail on it
    expect(plannedSystems({ encoders: ['text/minilm'], knn: ['text/minilm', 'text/minilm'], heads: [{ name: 'a-lr' }, { name: 'a-lr' }] })).toEqual(['bm25', 'knn:text/minilm', 'hybrid', 'hybrid+a-lr']);
    const against = parseComparisons(['knn:text/mpnet vs knn:text/minilm', 'hybrid+b-lr  vs  hybrid+a-lr', 'hybrid+b-lr vs hybrid'], known);
    expect(against).toEqual({ 'knn:text/mpnet': ['knn:text/minilm'], 'hybrid+b-lr': ['hybrid+a-lr', 'hybrid'] });
    expect(() => parseComparisons(['hybrid+c-lr vs hybrid'], known)).toThrow(/unknown system "hybrid\+c-lr"/);
    expect(() => parseComparisons(['knn:text/mpnet'], known)).toThrow(/expected "<system> vs <baseline>"/);
    // the map feeds compareRuns as is: one paired difference per pair
    const qrels: Qrels = new Map(Array.from({ length: 10 }, (_, i) => [`q${i}`, new Map([[`r${i}`, 1]])]));
    const run = (hit: (i: number) => boolean) => new Map(Array.from({ length: 10 }, (_, i) => [`q${i}`, hit(i) ? [`r${i}`] : ['x']]));
    const rows = compareRuns(new Map([['knn:text/minilm', run((i) => i < 3)], ['knn:text/mpnet', run((i) => i < 6)]]), qrels, { against: parseComparisons(['knn:text/mpnet vs knn:text/minilm'], known) });
    expect(rows.flatMap((r) => r.diffs)).toEqual([expect.objectContaining({ baseline: 'knn:text/minilm', meanDiff: expect.closeTo(0.3, 9) })]);
  });
});
