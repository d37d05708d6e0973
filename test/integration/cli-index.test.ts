/**
 * `strata index` as a user runs it (a real process against the real Elasticsearch): bad rows are reported with
 * their line and field and make the run fail unless --skip-invalid, the report file lists them, an over-long
 * description is truncated and flagged, nothing else is lost, and a stopped Elasticsearch is named. Catalogs with
 * their own column names (CSV, tab-separated, Parquet) go in through --map.
 */
import { execFile, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parquetWriteFile } from 'hyparquet-writer';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets } from '../../service/es/indices.ts';
import { writeDemoCatalog } from '../../training/demo/make-catalog.ts';

const root = path.resolve(import.meta.dirname, '../..');
const esUrl = inject('esUrl');
const es = createEsClient({ url: esUrl });
const alias = `cli-${randomUUID().slice(0, 8)}`;

function strata(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'service/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    // The child needs the parent's PATH and HOME; the settings under test are passed explicitly.
    // eslint-disable-next-line no-restricted-syntax
    env: { ...process.env, STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: 'text/chargram', ...env },
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const execFileAsync = promisify(execFile);

/** `strata` as a child process that does not block this one (for tests that serve it something meanwhile). */
async function strataAsync(args: string[], env: Record<string, string> = {}) {
  const { stdout, stderr } = await execFileAsync(process.execPath, ['--import', 'tsx', 'service/cli/main.ts', ...args], {
    cwd: root,
    // eslint-disable-next-line no-restricted-syntax
    env: { ...process.env, STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: 'text/chargram', ...env },
    timeout: 120_000,
  });
  return { out: stdout, err: stderr };
}

/** Runs `fn` with a fresh alias name and deletes whatever it created under it, pass or fail. */
async function withFreshAlias(fn: (target: string) => Promise<void>): Promise<void> {
  const target = `cli-${randomUUID().slice(0, 8)}`;
  try {
    await fn(target);
  } finally {
    const targets = await aliasTargets(es, target);
    if (targets.length) await es.indices.delete({ index: targets });
  }
}

afterAll(async () => {
  const targets = await aliasTargets(es, alias);
  if (targets.length) await es.indices.delete({ index: targets });
  await es.close();
});

describe('strata index', () => {
  it('indexes the good rows, reports each bad one by line and field, and fails without --skip-invalid', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-cli-'));
    const file = path.join(dir, 'catalog.jsonl');
    const lines = [
      JSON.stringify({ id: 'a', title: 'Fridge', price: 10 }),
      '{"id": "b", "title": ',
      JSON.stringify({ id: 'c', title: 'Oven', rating: 9 }),
      JSON.stringify({ title: 'no id' }),
      JSON.stringify({ id: 'a', title: 'duplicate' }),
      JSON.stringify({ id: 'big', title: 'Manual', description: 'word '.repeat(1_000_000) }),
    ];
    await writeFile(file, Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), Buffer.from(JSON.stringify({ id: 'z', title: 'Last' }) + '\n')]));
    const report = path.join(dir, 'report.json');
    const run = strata(['index', file, '--index', alias, '--report', report, '--refresh']);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/line 2: malformed JSON/);
    expect(run.err).toMatch(/line 3 \(id c\): rating: /);
    expect(run.err).toMatch(/line 4: id: /);
    expect(run.err).toMatch(/line 5 \(id a\): id: duplicate id "a" \(first on line 1\)/);
    expect(run.err).toMatch(/line 7: not valid UTF-8/);
    expect(run.out).toMatch(/indexed 3 documents/);
    const written = JSON.parse(await readFile(report, 'utf8'));
    expect(written.invalid.map((r: { line: number }) => r.line)).toEqual([2, 3, 4, 5, 7]);
    expect(written.truncated).toEqual([{ line: 6, id: 'big', fields: ['description'] }]);
    expect((await es.count({ index: alias })).count).toBe(3);

    const skip = strata(['index', file, '--index', alias, '--report', report, '--skip-invalid']);
    expect(skip.code).toBe(0);
    expect(skip.err).toMatch(/5 invalid rows/);
  }, 300_000);

  it('reads a catalog with its own column names through --map, and suggests the map when rows are refused for them', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-cli-'));
    const file = path.join(dir, 'furniture.csv');
    await writeFile(file, 'product_id,product_name,product_class,average_rating,colour\nf1,solid oak desk,Desks,4.5,oak\nf2,mesh office chair,Chairs,3.9,black\n');
    await withFreshAlias(async (target) => {
      const refused = strata(['index', file, '--index', target, '--report', path.join(dir, 'report.json')]);
      expect(refused.code).toBe(1);
      expect(refused.err).toMatch(/line 2: .*product_name: unknown field/);
      expect(refused.err).toMatch(/for instance --map id=product_id,title=product_name,category=product_class,rating=average_rating\)/);
      const mapped = strata(['index', file, '--index', target, '--map', 'id=product_id,title=product_name', '--map', 'category=product_class,rating=average_rating', '--unmapped', 'attributes', '--refresh']);
      expect(mapped.err).not.toMatch(/invalid rows/);
      expect(mapped.code).toBe(0);
      const stored = await es.get<Record<string, unknown>>({ index: target, id: 'f1' });
      expect(stored._source).toMatchObject({ title: 'solid oak desk', category: 'Desks', rating: 4.5, attributes: { colour: 'oak' } });
      // A mapped column no row has (a typo) is named.
      const typo = strata(['index', file, '--index', target, '--map', 'id=product_id,title=product_name,brand=manufacturr', '--unmapped', 'ignore']);
      expect(typo.err).toMatch(/--map brand=manufacturr: no row has a column "manufacturr"/);
      const bad = strata(['index', file, '--index', target, '--map', 'name=product_name']);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/--map: "name" is not a catalog field/);
    });
  }, 300_000);

  it('indexes a Parquet catalog (ESCI column names) with the --map it proposes, and a WANDS-style tab-separated .csv', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-cli-'));
    const file = path.join(dir, 'shopping_queries_dataset_products.parquet');
    parquetWriteFile({
      filename: file,
      columnData: [
        { name: 'product_id', data: ['B0001', 'B0002', 'B0003'], type: 'STRING' },
        { name: 'product_title', data: ['Solid oak writing desk', 'Stainless steel kettle 1.7 l', 'Hand-woven wool rug'], type: 'STRING' },
        { name: 'product_description', data: ['A desk.', null, 'A rug.'], type: 'STRING', nullable: true },
        { name: 'product_brand', data: ['Acme', 'Boil', null], type: 'STRING', nullable: true },
        { name: 'product_color', data: ['oak', 'steel', 'red'], type: 'STRING' },
        { name: 'product_locale', data: ['us', 'us', 'us'], type: 'STRING' },
      ],
    });
    await withFreshAlias(async (target) => {
      const refused = strata(['index', file, '--index', target, '--report', path.join(dir, 'report.json')]);
      expect(refused.code).toBe(1);
      const proposed = /for instance --map (\S+)\)/.exec(refused.err)?.[1];
      expect(proposed).toBe('id=product_id,title=product_title,description=product_description,brand=product_brand');
      const mapped = strata(['index', file, '--index', target, '--map', proposed!, '--unmapped', 'attributes', '--refresh']);
      expect(mapped.err).not.toMatch(/invalid rows/);
      expect(mapped.code).toBe(0);
      expect(mapped.out).toMatch(/indexed 3 documents/);
      const kettle = await es.get<Record<string, unknown>>({ index: target, id: 'B0002' });
      expect(kettle._source).toMatchObject({ title: 'Stainless steel kettle 1.7 l', brand: 'Boil', attributes: { product_color: 'steel', product_locale: 'us' } });
      expect(kettle._source).not.toHaveProperty('description');
    });
    const wands = path.join(dir, 'product.csv');
    await writeFile(wands, 'product_id\tproduct_name\tproduct_features\n7\tsalon chair, black\tcolor:black|reclining:yes\n');
    await withFreshAlias(async (target) => {
      const run = strata(['index', wands, '--index', target, '--map', 'id=product_id,title=product_name,attributes=product_features', '--refresh']);
      expect(run.code).toBe(0);
      expect((await es.get<Record<string, unknown>>({ index: target, id: '7' }))._source).toMatchObject({ title: 'salon chair, black', attributes: { color: 'black', reclining: 'yes' } });
    });
  }, 300_000);

  it('indexes a catalog given by URL, downloaded once into the cache', async () => {
    const catalog = gzipSync(['{"id": "u1", "title": "Walnut side table"}', '{"id": "u2", "title": "Brass floor lamp"}'].join('\n'));
    let served = 0;
    const server = http.createServer((req, res) => {
      if (req.url !== '/exports/catalog.jsonl.gz?download=true') return void res.writeHead(404).end();
      served++;
      res.writeHead(200, { 'content-length': catalog.length }).end(catalog);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/exports/catalog.jsonl.gz?download=true`;
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'strata-cli-cache-'));
    try {
      await withFreshAlias(async (target) => {
        // An async child: the server above answers from this process while it runs.
        const first = await strataAsync(['index', url, '--index', target, '--refresh'], { STRATA_CACHE_DIR: cacheDir });
        expect(first.err).toMatch(/downloaded http:.*catalog\.jsonl\.gz\?download=true: 0\.0 MB/);
        expect(first.out).toMatch(/indexed 2 documents/);
        expect((await es.get<Record<string, unknown>>({ index: target, id: 'u2' }))._source).toMatchObject({ title: 'Brass floor lamp' });
        const second = await strataAsync(['index', url, '--index', target], { STRATA_CACHE_DIR: cacheDir });
        expect(second.err).toMatch(/as downloaded before/);
        expect(served).toBe(1);
        const missing = await strataAsync(['index', url.replace('catalog', 'nothing'), '--index', target], { STRATA_CACHE_DIR: cacheDir }).catch((e: { stderr: string; code: number }) => ({ err: e.stderr, code: e.code }));
        expect(missing).toMatchObject({ code: 1, err: expect.stringMatching(/Downloading http:.*nothing\.jsonl\.gz\?download=true failed: HTTP 404/) });
      });
    } finally {
      server.close();
    }
  }, 300_000);

  it('indexes a BEIR folder: text as the description, an untitled document titled by its first words', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-beir-'));
    await writeFile(
      path.join(dir, 'corpus.jsonl'),
      [{ _id: 'd1', title: 'Aspirin and headaches', text: 'Aspirin relieves tension headaches.' }, { _id: 'd2', title: '', text: 'Vitamin D and bone density in older women.' }].map((d) => JSON.stringify(d)).join('\n'),
    );
    await withFreshAlias(async (target) => {
      const run = strata(['index', dir, '--index', target, '--refresh']);
      expect(run.err).toMatch(/2 rows read, 2 indexed, 0 invalid/);
      expect(run.code).toBe(0);
      const d2 = await es.get<Record<string, unknown>>({ index: target, id: 'd2' });
      expect(d2._source).toMatchObject({ title: 'Vitamin D and bone density in older women.', description: 'Vitamin D and bone density in older women.' });
      expect((await es.count({ index: target })).count).toBe(2);
      const mapped = strata(['index', dir, '--index', target, '--map', 'title=x']);
      expect(mapped.code).toBe(1);
      expect(mapped.err).toMatch(/--map and --unmapped apply to catalog files/);
    });
  }, 300_000);

  it('prints plain progress lines when stderr is not a terminal', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-cli-'));
    const file = path.join(dir, 'demo.jsonl');
    await writeDemoCatalog(file, { count: 300 });
    // spawnSync's pipes are not a TTY: no progress bar, lines instead (every update with --progress-every 0).
    const run = strata(['index', file, '--index', alias, '--progress-every', '0', '--batch-size', '50']);
    expect(run.code).toBe(0);
    const lines = run.err.split('\n').filter((l) => /^indexing: \d+ rows read, \d+ indexed, 0 invalid, \d+ docs\/s$/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.at(-1)).toMatch(/^indexing: 300 rows read, 300 indexed/);
    expect(run.err.includes('\u001b[')).toBe(false); // no terminal escape codes in a log
  }, 300_000);

  it('fails clearly on an empty file and when Elasticsearch is not running', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-cli-'));
    const empty = path.join(dir, 'empty.jsonl');
    await writeFile(empty, '');
    const e = strata(['index', empty, '--index', alias]);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/catalog file is empty: .*empty\.jsonl/);
    // A wrong path or format is named before Elasticsearch is touched: no index, no checkpoint, no "--resume" hint.
    const fresh = `cli-${randomUUID().slice(0, 8)}`;
    const checkpoint = path.join(dir, 'wrong.checkpoint.json');
    const notes = path.join(dir, 'notes.md');
    await writeFile(notes, '# not a catalog\n');
    for (const [target, message] of [[notes, /unsupported catalog format "\.md"/], [path.join(dir, 'missing.jsonl'), /catalog file not found: .*missing\.jsonl/], [dir, /not a file/]] as const) {
      const wrong = strata(['index', target, '--index', fresh, '--checkpoint', checkpoint]);
      expect(wrong.code).toBe(1);
      expect(wrong.err).toMatch(message);
      expect(wrong.err).not.toMatch(/resume|ENOENT/);
    }
    const resolved = await es.indices.resolveIndex({ name: `${fresh}*` });
    expect([...resolved.indices, ...resolved.aliases]).toEqual([]);
    await expect(readFile(checkpoint)).rejects.toThrow(/ENOENT/);

    const file = path.join(dir, 'one.jsonl');
    await writeFile(file, JSON.stringify({ id: '1', title: 't' }));
    // A run that gives up leaves its checkpoint behind (for --resume): keep it out of the working tree.
    const down = strata(['index', file, '--index', alias, '--checkpoint', path.join(dir, 'checkpoint.json')], { STRATA_ES_URL: 'http://127.0.0.1:1' });
    expect(down.code).toBe(1);
    expect(down.err).toMatch(/Elasticsearch is not reachable at http:\/\/127\.0\.0\.1:1 .*strata es start/);
  }, 300_000);
});
