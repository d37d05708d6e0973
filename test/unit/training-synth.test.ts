import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attributeQuery, idfOf, keySentenceQuery, priceCeiling, pseudoQueries, titleFragmentQuery, type SynthDoc } from '../../training/synth/queries.ts';
import { crossEncoderTeacher, ensembleScores, ensembleTeacher, labelWindow, type PairScorer } from '../../training/synth/teacher.ts';
import { rankGroups, trainingSetOf } from '../../training/rerank/collect.ts';
import { readSynthDocs } from '../../training/synth/synth.ts';

const DOCS: SynthDoc[] = [
  { id: 'a', title: 'Aspirin and colorectal adenoma recurrence in a randomized trial', text: 'We studied patients. Daily aspirin reduced colorectal adenoma recurrence by a third in patients with prior cancer. The study was large.' },
  { id: 'b', title: 'Statins and the heart', text: 'We studied patients. Statins lower cholesterol in patients. The study was large.' },
  { id: 'c', title: 'Sleep in patients', text: 'We studied patients. Sleep matters for patients. The study was large.' },
];

describe('synth sources', () => {
  it('names a --data path that does not exist', async () => {
    await expect(readSynthDocs('/nonexistent/strata-synth')).rejects.toThrow(/--data \/nonexistent\/strata-synth: not found \(a BEIR folder/);
  });

  it('reads a catalog through a column map, and refuses one whose rows are all invalid, pointing at --map', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-synth-'));
    const file = path.join(dir, 'shop.csv');
    await writeFile(file, 'sku,product_name,colour\nA1,Oak desk,oak\nA2,Mesh chair,black\n');
    await expect(readSynthDocs(file)).rejects.toThrow(/none of its 2 rows is a valid catalog document \(if its columns have their own names, read them with --map/);
    const { docs, invalid } = await readSynthDocs(file, { map: { id: 'sku', title: 'product_name' }, unmapped: 'attributes' });
    expect(invalid).toBe(0);
    expect(docs).toEqual([
      { id: 'A1', title: 'Oak desk', text: '', attributes: { colour: 'oak' } },
      { id: 'A2', title: 'Mesh chair', text: '', attributes: { colour: 'black' } },
    ]);
  });
});

describe('pseudo-queries', () => {
  const idf = idfOf(DOCS);
  it('weights rare terms above common ones', () => {
    expect(idf('aspirin')).toBeGreaterThan(idf('patient'));
  });

  it('compresses the sentence densest in rare terms, keeping word order', () => {
    const q = keySentenceQuery(DOCS[0]!, idf, { maxWords: 5 })!;
    expect(q.split(' ')).toHaveLength(5);
    expect(q).toMatch(/^daily aspirin reduced colorectal adenoma|aspirin .*colorectal .*adenoma/);
    expect(q).not.toContain('studied');
  });

  it('takes a title fragment around its rarest words', () => {
    expect(titleFragmentQuery(DOCS[0]!, idf, { maxWords: 3 })).toMatch(/aspirin|colorectal|adenoma|randomized/);
    expect(titleFragmentQuery({ id: 'x', title: 'Statins', text: '' }, idf)).toBeNull();
  });

  it('fills product attribute templates with a price ceiling', () => {
    expect(priceCeiling(1299)).toBe(1500);
    expect(priceCeiling(9)).toBe(10);
    expect(attributeQuery({ id: 'f', title: 'Quiet fridge', text: '', brand: 'Acme', category: 'appliances/kitchen/fridges', price: 1299 })).toBe('acme fridges under $1500');
  });

  it('gives distinct queries per document in strategy order', () => {
    const qs = pseudoQueries(DOCS[0]!, idf, { perDoc: 2 });
    expect(qs.map((q) => q.strategy)).toEqual(['key-sentence', 'title-fragment']);
    const product = pseudoQueries({ id: 'p', title: 'OLED TV 55', text: '', brand: 'Vizio', category: 'electronics/tv', price: 999 }, idf, { perDoc: 1 });
    expect(product).toEqual([{ text: 'vizio tv under $1000', strategy: 'attributes' }]);
  });
});

describe('ensemble teacher', () => {
  const names = ['text/minilm:sim', 'text/minilm:passage_max', 'text/minilm:passage_mean', 'fs:bm25_norm'];
  // Three candidates: dense passage_max 0.2 / 0.8 / 0.5 -> 0, 1, 0.5 after min-max; bm25_norm 1, 0.5, 0.
  const rows = Float32Array.from([0, 0.2, 0, 1, 0, 0.8, 0, 0.5, 0, 0.5, 0, 0]);
  it('averages normalised dense similarity and BM25', () => {
    expect([...ensembleScores(rows, 3, names, ['text/minilm'])]).toEqual([0.5, 0.75, 0.25]);
  });

  it('labels the source positive, ranks above it ambiguous and the next ones hard negatives', () => {
    const labels = labelWindow(['d0', 'd1', 'd2'], Float32Array.of(0.5, 0.75, 0.25), 'd0', { negatives: 5 });
    expect(labels).toMatchObject({ source: 0, ambiguous: [1], hardNegatives: [2] });
    expect(labelWindow(['d0'], Float32Array.of(1), 'zz').source).toBe(-1);
  });

  it('is the window teacher by default', async () => {
    expect([...(await ensembleTeacher(['text/minilm']).score({ query: 'q', ids: ['d0', 'd1', 'd2'], rows, names }))]).toEqual([0.5, 0.75, 0.25]);
  });
});

describe('cross-encoder teacher', () => {
  // A fake scorer: the number of query words found in the document.
  const calls: Array<[string, readonly string[]]> = [];
  const scorer: PairScorer = {
    score: async (query, docs) => {
      calls.push([query, docs]);
      return Float32Array.from(docs, (d) => query.split(' ').filter((w) => d.includes(w)).length);
    },
  };
  const texts = new Map([
    ['d0', 'aspirin lowers adenoma risk'],
    ['d1', 'aspirin and adenoma and colorectal cancer'],
    ['d2', 'statins lower cholesterol'],
  ]);

  it('scores candidate texts against the query, unknown candidates last, and labels like the ensemble', async () => {
    const teacher = crossEncoderTeacher(scorer, (id) => texts.get(id));
    const scores = await teacher.score({ query: 'aspirin adenoma colorectal', ids: ['d0', 'dx', 'd1', 'd2'], rows: new Float32Array(0), names: [] });
    expect(calls).toEqual([['aspirin adenoma colorectal', [texts.get('d0'), texts.get('d1'), texts.get('d2')]]]);
    expect([...scores]).toEqual([2, -Infinity, 3, 0]);
    const labels = labelWindow(['d0', 'dx', 'd1', 'd2'], scores, 'd0', { negatives: 5 });
    expect(labels).toMatchObject({ source: 0, ambiguous: [2], hardNegatives: [3, 1] });
  });
});

describe('training rows from groups', () => {
  const groups = [
    { queryId: 'q1', ids: ['a', 'b', 'c'], rows: Float32Array.of(1, 2, 3) },
    { queryId: 'q2', ids: ['d'], rows: Float32Array.of(4) },
  ];
  it('labels judged positives 1, unjudged 0 and leaves out negative (ambiguous) grades', () => {
    const qrels = new Map([['q1', new Map([['a', 1], ['c', -1]])], ['q2', new Map([['d', 0]])]]);
    const { set, positives } = trainingSetOf(groups, ['f'], qrels);
    expect(set.n).toBe(3);
    expect([...set.rows]).toEqual([1, 2, 4]);
    expect([...set.labels]).toEqual([1, 0, 0]);
    expect(positives).toBe(1);
  });

  it('ranks each group by score, ties in first-stage order', () => {
    const run = rankGroups(groups, (rows) => rows.map((v) => (v === 1 ? 0 : v === 2 ? 5 : 0)));
    expect(run.get('q1')).toEqual(['b', 'a', 'c']);
    expect(run.get('q2')).toEqual(['d']);
  });
});
