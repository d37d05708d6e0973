import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataError } from '../../service/errors.ts';
import { beirSplits, loadBeir, loadBeirJudgments, readBeirCorpus, readBeirQrels, readBeirQueries, splitQueries } from './beir.ts';

// The shared SciFact copy lives next to the repository: <repo>/../shared/data/scifact.
const SCIFACT = fileURLToPath(new URL('../../../shared/data/scifact', import.meta.url));

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'strata-beir-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Writes a BEIR folder with the given file contents and returns its path. */
async function beirDir(name: string, files: { corpus?: string; queries?: string; qrels?: string; split?: string }) {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'qrels'), { recursive: true });
  if (files.corpus !== undefined) await writeFile(path.join(dir, 'corpus.jsonl'), files.corpus);
  if (files.queries !== undefined) await writeFile(path.join(dir, 'queries.jsonl'), files.queries);
  if (files.qrels !== undefined) await writeFile(path.join(dir, 'qrels', `${files.split ?? 'test'}.tsv`), files.qrels);
  return dir;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<StrataError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(StrataError);
    return err as StrataError;
  }
  throw new Error('expected a rejection');
}

const goodCorpus = [
  '{"_id": "d1", "title": "Fridges", "text": "Cold storage."}',
  '{"_id": 2, "text": "No title here.", "metadata": {"url": "x"}}',
  '',
].join('\n');
const goodQueries = '{"_id": "q1", "text": "what keeps food cold"}\r\n{"_id": "q2", "text": "titles"}\r\n';
const goodQrels = 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\t2\t0\nq2\t2\t2\n\n';

describe('BEIR loader on small files', () => {
  it('reads corpus, queries and qrels, turning numeric ids into strings', async () => {
    const dir = await beirDir('good', { corpus: goodCorpus, queries: goodQueries, qrels: goodQrels });
    expect(await collect(readBeirCorpus(dir))).toEqual([
      { id: 'd1', title: 'Fridges', text: 'Cold storage.' },
      { id: '2', title: '', text: 'No title here.' },
    ]);
    // CRLF line endings do not leak into the text
    expect(await collect(readBeirQueries(dir))).toEqual([
      { id: 'q1', text: 'what keeps food cold' },
      { id: 'q2', text: 'titles' },
    ]);
    const qrels = await readBeirQrels(dir);
    expect(qrels).toEqual(
      new Map([
        ['q1', new Map([['d1', 1], ['2', 0]])],
        ['q2', new Map([['2', 2]])],
      ]),
    );
  });

  it('loads a whole data set and counts judged documents missing from the corpus', async () => {
    const dir = await beirDir('whole', {
      corpus: goodCorpus,
      queries: goodQueries,
      qrels: 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\tgone\t1\n',
      split: 'dev',
    });
    const ds = await loadBeir(dir, { split: 'dev' });
    expect(ds.corpus).toHaveLength(2);
    expect(ds.queries.get('q2')).toBe('titles');
    expect(ds.qrels.size).toBe(2);
    expect(ds.judgedDocsMissingFromCorpus).toBe(1);
  });

  it('names file and line of malformed JSON', async () => {
    const dir = await beirDir('badjson', { corpus: '{"_id": "a", "text": "ok"}\n\n{"_id": "b", "text": "x"\n' });
    const err = await rejection(collect(readBeirCorpus(dir)));
    expect(err.code).toBe('bad_input_file');
    // line 2 is blank and skipped but still counted
    expect(err.message).toMatch(/^corpus\.jsonl line 3: malformed JSON/);
    expect(err.details).toMatchObject({ line: 3 });
  });

  it('names the field of a line with the wrong shape', async () => {
    const dir = await beirDir('badshape', { queries: '{"_id": "q1", "text": "fine"}\n{"_id": "q2", "query": "wrong key"}\n' });
    const err = await rejection(collect(readBeirQueries(dir)));
    expect(err.message).toMatch(/^queries\.jsonl line 2: text: /);
  });

  it('rejects an empty id', async () => {
    const dir = await beirDir('emptyid', { corpus: '{"_id": "", "text": "x"}\n' });
    expect((await rejection(collect(readBeirCorpus(dir)))).message).toMatch(/line 1: _id: must not be empty/);
  });

  it('requires the qrels header', async () => {
    const dir = await beirDir('nohead', { qrels: 'q1\td1\t1\n' });
    const err = await rejection(readBeirQrels(dir));
    expect(err.message).toMatch(/^qrels\/test\.tsv line 1: expected the header/);
  });

  it('names the line of a qrels row with the wrong number of columns', async () => {
    const dir = await beirDir('cols', { qrels: 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1 0 d2 1\n', split: 'train' });
    const err = await rejection(readBeirQrels(dir, { split: 'train' }));
    expect(err.message).toBe('qrels/train.tsv line 3: expected 3 tab-separated columns (query-id, corpus-id, score), got 1');
  });

  it('reads TREC qrels (query-id iteration doc-id relevance, no header), and names a line that is not one', async () => {
    const dir = await beirDir('trec-plain', { qrels: '1048585 0 7187158 1\n1048585 Q0 7187159  0\n\n42\t0\tD9\t2\n' });
    expect(await readBeirQrels(dir)).toEqual(new Map([['1048585', new Map([['7187158', 1], ['7187159', 0]])], ['42', new Map([['D9', 2]])]]));
    const mixed = await beirDir('trec-mixed', { qrels: '1 0 d1 1\n2\td2\t1\n' });
    expect((await rejection(readBeirQrels(mixed))).message).toMatch(/line 2: expected TREC qrels like the first line/);
  });

  it('points TREC-style 4-column qrels at the fix', async () => {
    const dir = await beirDir('trec', { qrels: 'query-id\tcorpus-id\tscore\nq1\t0\td1\t1\n' });
    expect((await rejection(readBeirQrels(dir))).message).toMatch(/line 2: .*got 4 \(TREC qrels/);
  });

  it('rejects non-integer scores and conflicting duplicate judgments', async () => {
    const bad = await beirDir('score', { qrels: 'query-id\tcorpus-id\tscore\nq1\td1\t0.5\n' });
    expect((await rejection(readBeirQrels(bad))).message).toMatch(/line 2: score must be an integer, got "0.5"/);
    const dup = await beirDir('dup', { qrels: 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td1\t2\n' });
    expect((await rejection(readBeirQrels(dup))).message).toMatch(/judged twice, with 1 and 2/);
  });

  it('says which file is missing', async () => {
    const dir = await beirDir('missing', {});
    expect((await rejection(collect(readBeirCorpus(dir)))).message).toMatch(/^corpus\.jsonl: not found at /);
    expect((await rejection(readBeirQrels(dir, { split: 'train' }))).message).toMatch(/^qrels\/train\.tsv: not found/);
  });

  it('loads queries and judgments without the corpus (training and evaluation take documents from the index)', async () => {
    const dir = await beirDir('no-corpus', { queries: '{"_id": "q1", "text": "oak desk"}\n', qrels: 'query-id\tcorpus-id\tscore\nq1\td1\t1\n' });
    expect(await loadBeirJudgments(dir)).toEqual({ queries: new Map([['q1', 'oak desk']]), qrels: new Map([['q1', new Map([['d1', 1]])]]) });
    await expect(loadBeir(dir)).rejects.toThrow(/corpus\.jsonl: not found/);
    const unknown = await beirDir('no-corpus-unknown', { queries: '{"_id": "q1", "text": "x"}\n', qrels: 'query-id\tcorpus-id\tscore\nq9\td1\t1\n' });
    await expect(loadBeirJudgments(unknown)).rejects.toThrow(/query-id "q9" is not in queries\.jsonl/);
  });

  it('names the splits a folder has when the one asked for is missing (most BEIR sets ship only test)', async () => {
    const dir = await beirDir('only-test', { qrels: 'query-id\tcorpus-id\tscore\nq1\td1\t1\n', split: 'test' });
    await writeFile(path.join(dir, 'qrels', 'dev.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\n');
    expect(await beirSplits(dir)).toEqual(['dev', 'test']);
    const message = (await rejection(readBeirQrels(dir, { split: 'train' }))).message;
    expect(message).toMatch(/^qrels\/train\.tsv: not found at .*; this folder has the splits dev, test: choose one with --split$/);
    expect((await readBeirQrels(dir, { split: 'test' })).get('q1')?.get('d1')).toBe(1);
    expect(await beirSplits(path.join(dir, 'nowhere'))).toEqual([]);
  });

  it('rejects qrels that judge an unknown query and duplicate corpus ids', async () => {
    const unknown = await beirDir('unknownq', {
      corpus: goodCorpus,
      queries: goodQueries,
      qrels: 'query-id\tcorpus-id\tscore\nq9\td1\t1\n',
    });
    expect((await rejection(loadBeir(unknown))).message).toMatch(/query-id "q9" is not in queries\.jsonl/);
    const dup = await beirDir('dupdoc', {
      corpus: '{"_id": "a", "text": "x"}\n{"_id": "a", "text": "y"}\n',
      queries: goodQueries,
      qrels: goodQrels,
    });
    expect((await rejection(loadBeir(dup))).message).toMatch(/duplicate _id "a"/);
  });
});

describe('splitQueries', () => {
  const ids = Array.from({ length: 100 }, (_, i) => `q${i}`);

  it('splits disjointly into the requested share, keeping input order', () => {
    const { train, dev } = splitQueries(ids, { devFraction: 0.2, seed: 7 });
    expect(dev).toHaveLength(20);
    expect(train).toHaveLength(80);
    expect(new Set([...train, ...dev]).size).toBe(100);
    expect(train.filter((id) => dev.includes(id))).toEqual([]);
    expect(dev).toEqual(ids.filter((id) => dev.includes(id)));
  });

  it('depends on the seed and the id set only, not on input order or duplicates', () => {
    const a = splitQueries(ids, { devFraction: 0.3, seed: 1 });
    const reversed = splitQueries([...ids].reverse().concat(['q5', 'q6']), { devFraction: 0.3, seed: 1 });
    expect(new Set(reversed.dev)).toEqual(new Set(a.dev));
    expect(splitQueries(ids, { devFraction: 0.3, seed: 2 }).dev).not.toEqual(a.dev);
  });

  it('is not just the first ids in order', () => {
    const { dev } = splitQueries(ids, { devFraction: 0.1, seed: 3 });
    expect(dev).not.toEqual(ids.slice(0, 10));
    expect(dev).not.toEqual(ids.slice(90));
  });

  it('handles the extremes and rejects fractions outside [0, 1]', () => {
    expect(splitQueries(ids, { devFraction: 0 }).dev).toEqual([]);
    expect(splitQueries(ids, { devFraction: 1 }).train).toEqual([]);
    expect(() => splitQueries(ids, { devFraction: 1.5 })).toThrow(RangeError);
  });
});

describe.skipIf(!existsSync(SCIFACT))('BEIR loader on the shared SciFact copy', () => {
  it('reads 5,183 documents, 809 queries and 919 train judgments', async () => {
    const ds = await loadBeir(SCIFACT, { split: 'train' });
    expect(ds.corpus).toHaveLength(5183);
    expect(ds.queries.size).toBe(809);
    let pairs = 0;
    for (const judged of ds.qrels.values()) pairs += judged.size;
    expect(pairs).toBe(919);
    expect(ds.qrels.get('0')?.get('31715818')).toBe(1);
    expect(ds.corpus.find((d) => d.id === '4983')?.title).toMatch(/^Microstructural development/);
  });
});
