import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { judgmentFormat, readJudgments } from '../../training/data/judgments.ts';
import { readLabelled } from '../../training/data/labelled.ts';

let dir = '';
const file = async (name: string, text: string) => {
  const f = path.join(dir, name);
  await writeFile(f, text);
  return f;
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'strata-loaders-'));
});

describe('readJudgments', () => {
  it('reads CSV with query ids and JSONL without (the text is the id)', async () => {
    const csv = await file('j.csv', 'query_id,query,doc_id,grade\nq1,quiet fridge,f1,2\nq1,quiet fridge,f2,0\n"q2","tv, 55 inch",t1,1\n');
    const a = await readJudgments(csv);
    expect(a.rows).toBe(3);
    expect(a.queries.get('q2')).toBe('tv, 55 inch');
    expect([...a.qrels.get('q1')!]).toEqual([['f1', 2], ['f2', 0]]);
    const jsonl = await file('j.jsonl', '{"query":"oled tv","doc_id":7,"grade":1}\n\n{"query":"oled tv","doc_id":"8","grade":"0"}\n');
    const b = await readJudgments(jsonl);
    expect(b.qrels.get('oled tv')).toEqual(new Map([['7', 1], ['8', 0]]));
  });

  it('takes other column names', async () => {
    const f = await file('j2.csv', 'q,d,rel\nfridge,f1,1\n');
    const j = await readJudgments(f, { query: 'q', doc: 'd', grade: 'rel' });
    expect(j.qrels.get('fridge')!.get('f1')).toBe(1);
  });

  it('reads query texts from a second file when the judgments carry ids only (WANDS label.csv + query.csv)', async () => {
    const labels = await file('wands-label.csv', 'id\tquery_id\tproduct_id\tlabel\n0\t0\t25434\tExact\n1\t0\t12088\tIrrelevant\n2\t1\t7\tPartial\n');
    const queries = await file('wands-query.csv', 'query_id\tquery\tquery_class\n0\tsalon chair\tMassage Chairs\n1\tsmart coffee table\tCoffee Tables\n');
    const j = await readJudgments(labels, judgmentFormat('doc_id=product_id,grade=label', 'Exact=2,Partial=1,Irrelevant=0', queries));
    expect(j.queries).toEqual(new Map([['0', 'salon chair'], ['1', 'smart coffee table']]));
    expect(j.qrels.get('1')).toEqual(new Map([['7', 1]]));
    // The query file's own column names come from --judgment-columns too.
    const renamed = await file('q-renamed.csv', 'qid,text\n0,salon chair\n');
    const labels2 = await file('l2.csv', 'qid,product_id,label\n0,25434,Exact\n');
    expect((await readJudgments(labels2, judgmentFormat('query_id=qid,query=text,doc_id=product_id,grade=label', 'Exact=2', renamed))).queries.get('0')).toBe('salon chair');
    // An id the queries file lacks, a queries file without the columns, and judgments without ids are named.
    const stray = await file('l3.csv', 'query_id,product_id,label\n9,1,Exact\n');
    await expect(readJudgments(stray, judgmentFormat('doc_id=product_id,grade=label', 'Exact=2', queries))).rejects.toThrow(/l3\.csv:2: query id "9" is not in .*wands-query\.csv/);
    const noText = await file('q-bad.csv', 'query_id,words\n0,x\n');
    await expect(readJudgments(labels, judgmentFormat('doc_id=product_id,grade=label', 'Exact=2,Partial=1,Irrelevant=0', noText))).rejects.toThrow(/q-bad\.csv:2: missing column "query" \(columns: query_id, words\)/);
    const noIds = await file('l4.csv', 'product_id,label\n1,Exact\n');
    await expect(readJudgments(noIds, judgmentFormat('doc_id=product_id,grade=label', 'Exact=2', queries))).rejects.toThrow(/l4\.csv:2: missing column "query_id".*--judgment-columns query_id=<column>/);
    // Without --queries, a file with ids only is pointed at the option.
    await expect(readJudgments(labels, judgmentFormat('doc_id=product_id,grade=label', 'Exact=2'))).rejects.toThrow(/missing column "query" .*--queries/);
  });

  it('refuses a grade word that is only a name objects inherit (constructor), as any unknown word', async () => {
    const f = await file('j-ctor.csv', 'query,doc_id,label\noak desk,P1,constructor\n');
    await expect(readJudgments(f, judgmentFormat('grade=label', 'Exact=2'))).rejects.toThrow(/"label" must be an integer or one of the --grades labels \(Exact\), got "constructor"/);
  });

  it('reads judgments given as one JSON array, and names a pretty-printed document and a broken element', async () => {
    const rows = [{ query: 'oak desk', doc_id: 'P1', grade: 2 }, { query: 'oak desk', doc_id: 'P2', grade: 0 }];
    const array = await file('j-array.json', JSON.stringify(rows, null, 2));
    expect((await readJudgments(array)).qrels.get('oak desk')).toEqual(new Map([['P1', 2], ['P2', 0]]));
    const document = await file('j-doc.json', JSON.stringify({ judgments: rows }, null, 2));
    await expect(readJudgments(document)).rejects.toThrow(/j-doc\.json:1: the file is one pretty-printed JSON document/);
    const broken = await file('j-broken.json', `[${JSON.stringify(rows[0])}, {"query": ]`);
    await expect(readJudgments(broken)).rejects.toThrow(/j-broken\.json:2: malformed JSON in array element 2/);
    const scalar = await file('j-scalar.json', '[1]');
    await expect(readJudgments(scalar)).rejects.toThrow(/j-scalar\.json:1: expected a JSON object/);
  });

  it('reads a judgments .csv that is tab-separated (WANDS label.csv) or semicolon-separated', async () => {
    const tabbed = await file('label.csv', 'id\tquery_id\tproduct_id\tlabel\tquery\n0\t0\t25434\tExact\tsalon chair\n1\t0\t12088\tIrrelevant\tsalon chair\n');
    const j = await readJudgments(tabbed, judgmentFormat('doc_id=product_id,grade=label', 'Exact=2,Partial=1,Irrelevant=0'));
    expect(j.qrels.get('0')).toEqual(new Map([['25434', 2], ['12088', 0]]));
    expect(j.queries.get('0')).toBe('salon chair');
    const semi = await file('semi.csv', 'query;doc_id;grade\ntv, 55 inch;t1;1\n');
    expect((await readJudgments(semi)).qrels.get('tv, 55 inch')).toEqual(new Map([['t1', 1]]));
  });

  it('reads a file exported from another tool: its own columns, grades in words (any case)', async () => {
    const f = await file('esci.csv', 'qid,search_term,product_uid,esci_label\n1,oak desk,P1,E\n1,oak desk,P2,s\n1,oak desk,P3,I\n');
    const format = judgmentFormat('query=search_term,query_id=qid,doc_id=product_uid,grade=esci_label', 'E=3,S=2,C=1,I=0');
    expect(format).toEqual({ query: 'search_term', queryId: 'qid', doc: 'product_uid', grade: 'esci_label', grades: { E: 3, S: 2, C: 1, I: 0 } });
    const j = await readJudgments(f, format);
    expect(j.queries.get('1')).toBe('oak desk');
    expect([...j.qrels.get('1')!]).toEqual([['P1', 3], ['P2', 2], ['P3', 0]]);
    const unknown = await file('esci2.csv', 'query,doc_id,grade\noak desk,P1,X\n');
    await expect(readJudgments(unknown, judgmentFormat(undefined, 'E=3,S=2,C=1,I=0'))).rejects.toThrow(`${unknown}:2: "grade" must be an integer or one of the --grades labels (E, S, C, I), got "X"`);
    await expect(readJudgments(f)).rejects.toThrow(`${f}:2: missing columns "query", "doc_id", "grade" (columns: qid, search_term, product_uid, esci_label); name the file's own with --judgment-columns`);
    expect(() => judgmentFormat('doc=product_uid')).toThrow('--judgment-columns: "doc" is not one of query, query_id, doc_id, grade');
    expect(() => judgmentFormat(undefined, 'Exact=high')).toThrow('--grades: the grade of "Exact" must be an integer, got "high"');
    expect(() => judgmentFormat('query')).toThrow('--judgment-columns: "query" is not name=value');
  });

  it('names file and line for malformed rows', async () => {
    const badGrade = await file('bad1.csv', 'query,doc_id,grade\nfridge,f1,1\nfridge,f2,high\n');
    await expect(readJudgments(badGrade)).rejects.toThrow(`${badGrade}:3: "grade" must be an integer; a file that judges in words needs --grades, e.g. Exact=2,Partial=1,Irrelevant=0, got "high"`);
    const missing = await file('bad2.jsonl', '{"query":"a","doc_id":"1","grade":1}\n{"query":"a","grade":1}\n');
    await expect(readJudgments(missing)).rejects.toThrow(`${missing}:2: missing column "doc_id"`);
    const badJson = await file('bad3.jsonl', '{"query":"a","doc_id":"1","grade":1}\n{"query": oops}\n');
    await expect(readJudgments(badJson)).rejects.toThrow(`${badJson}:2: malformed JSON`);
    const conflict = await file('bad4.csv', 'query,doc_id,grade\na,1,1\nb,2,0\na,1,0\n');
    await expect(readJudgments(conflict)).rejects.toThrow(`${conflict}:4: pair ("a", "1") was judged 1`);
    const ragged = await file('bad5.csv', 'query,doc_id,grade\na,1,1\nb,2\n');
    await expect(readJudgments(ragged)).rejects.toThrow(/bad5\.csv:3: malformed CSV/);
    const empty = await file('bad6.csv', 'query,doc_id,grade\n');
    await expect(readJudgments(empty)).rejects.toThrow('no rows');
    await expect(readJudgments(path.join(dir, 'none.csv'))).rejects.toThrow('file not found');
    // Without an extension, a missing file is still named as missing (not as an unsupported format).
    await expect(readJudgments(path.join(dir, 'none'))).rejects.toThrow('file not found');
    await expect(readJudgments(dir)).rejects.toThrow('not a file');
    await expect(readJudgments(await file('x.txt', 'a'))).rejects.toThrow('unsupported format');
  });
});

describe('readLabelled', () => {
  it('reads the named text and label columns from CSV (quoted commas, CRLF) and JSONL', async () => {
    const csv = await file('l.csv', 'text,category\r\n"I lost my card, help",lost_card\r\nwhere is my money,transfer\r\n');
    expect((await readLabelled(csv, { textCol: 'text', labelCol: 'category' })).map(({ record: _r, ...rest }) => rest)).toEqual([
      { text: 'I lost my card, help', label: 'lost_card', line: 2 },
      { text: 'where is my money', label: 'transfer', line: 3 },
    ]);
    const jsonl = await file('l.jsonl', '{"t":"red dress","y":"Dresses"}\n');
    expect(await readLabelled(jsonl, { textCol: 't', labelCol: 'y' })).toEqual([{ text: 'red dress', label: 'Dresses', line: 1, record: { t: 'red dress', y: 'Dresses' } }]);
  });

  it('rejects empty labels and unknown columns with file and line', async () => {
    const f = await file('l2.csv', 'text,category\nhello,greet\nbye,\n');
    await expect(readLabelled(f, { labelCol: 'category' })).rejects.toThrow(`${f}:3: "category" is empty`);
    await expect(readLabelled(f, { labelCol: 'intent' })).rejects.toThrow(`${f}:2: missing column "intent" (columns: text, category)`);
    const multi = await file('l3.csv', 'text,category\n"unterminated,x\n');
    await expect(readLabelled(multi)).rejects.toThrow(/l3\.csv:\d+: malformed CSV/);
  });
});
