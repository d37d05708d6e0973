/**
 * The web page in a real headless Chromium, against the real service (started on a free port with API keys on),
 * the real Elasticsearch, the demo catalog and fashion products with photos: a search shows hits (after the
 * missing key's 401 is shown), the bars of each hit sum to its score and share one scale, a slider re-ranks
 * exactly as a direct API call with the same weights does, a photo finds its product, a bad filter's 400 is
 * shown word for word, and the evaluation view draws reports that `strata eval rerank` and `strata
 * data-quality` write during the test. Screenshots go to reports/web/.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { aliasTargets, ensureIndex } from '../../service/es/indices.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { readCatalogFile } from '../../service/catalog/read.ts';
import { start, type RunningService } from '../../service/app/start.ts';
import { makeDemoCatalog } from '../../training/demo/make-catalog.ts';
import { readFashion } from '../../training/scripts/fashion-catalog.ts';
import { classificationReport } from '../../training/eval/classify-metrics.ts';
import { writeReport } from '../../training/report/write.ts';
import { chromiumMissing, launchChromium } from '../helpers/chromium.ts';
import type { Json } from '../helpers/http.ts';

const root = path.resolve(import.meta.dirname, '../..');
const SHARED = path.resolve(root, '../shared/data');
const SHOTS = path.join(root, 'reports', 'web');
const KEY = `web-test-admin-${randomUUID().slice(0, 8)}`;
const esUrl = inject('esUrl');
// The hashing text encoder keeps indexing and query embedding cheap: what is under test is the page, and the
// service behaves the same with any text encoder (MiniLM is exercised by the other integration tests).
const config = loadConfig({ STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: 'text/chargram' });
const textEncoders = config.retrieval.textEncoders;
const demo = `web-demo-${randomUUID().slice(0, 8)}`;
const fashion = `web-fashion-${randomUUID().slice(0, 8)}`;
const missing = chromiumMissing();
if (missing) console.warn(`web page tests skipped: ${missing}`);

const es = createEsClient({ url: esUrl, timeoutMs: 120_000 });
let svc: RunningService;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
let reportsDir: string;
let fashionTarget: { id: string; title: string; image: string };
let evalReport: Json;

/** A `strata` command in a child process, as a user runs it. */
async function strata(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'service/cli/main.ts', ...args], {
    cwd: root,
    // The child needs PATH and HOME; the settings under test are passed explicitly.
    // eslint-disable-next-line no-restricted-syntax
    env: { ...process.env, STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: textEncoders.join(','), STRATA_POOL_THREADS: '1' },
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** A direct call to the service's API (the reference the page is compared with). */
async function api(pathname: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(svc.url + pathname, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Json };
}

/** A small judged query set over the demo catalog ("<brand> <product type>" -> every such product), as BEIR files. */
async function writeDemoBeir(dir: string, docs: ReturnType<typeof makeDemoCatalog>): Promise<void> {
  await mkdir(path.join(dir, 'qrels'), { recursive: true });
  await writeFile(path.join(dir, 'corpus.jsonl'), docs.map((d) => JSON.stringify({ _id: d.id, title: d.title, text: d.description ?? '' })).join('\n') + '\n');
  const groups = new Map<string, string[]>();
  for (const d of docs) {
    const type = String(d.category ?? '').split('/').pop()!.replace(/-/g, ' ');
    const q = `${d.brand} ${type}`;
    groups.set(q, [...(groups.get(q) ?? []), String(d.id)]);
  }
  const queries = [...groups].filter(([, ids]) => ids.length >= 2).slice(0, 16);
  await writeFile(path.join(dir, 'queries.jsonl'), queries.map(([q], i) => JSON.stringify({ _id: `q${i}`, text: q })).join('\n') + '\n');
  const rows = queries.flatMap(([, ids], i) => ids.map((id) => `q${i}\t${id}\t1`));
  await writeFile(path.join(dir, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...rows].join('\n') + '\n');
}

async function shot(name: string): Promise<void> {
  await mkdir(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** The ids of the result cards, in page order. */
const cardIds = () => page.locator('.cards .card').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!));

/** The `/v1/search` body the page sends for a query over an index (the page's defaults: top 10, explain, 2 snippets). */
const bodyFor = (index: string, query: string, weights?: Record<string, number>) => ({ query, index, top_k: 10, rerank: { head: 'default', ...(weights ? { weights } : {}) }, explain: true, snippets: 2 });

describe.skipIf(missing !== null)('the web page in Chromium', () => {
  beforeAll(async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'strata-web-'));
    reportsDir = path.join(work, 'reports');
    const catalog = path.join(work, 'demo.jsonl');
    const docs = makeDemoCatalog();
    await writeFile(catalog, docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
    const beir = path.join(work, 'beir');
    await writeDemoBeir(beir, docs);
    const pool = createEncoderPool({ threads: 2, maxQueue: 16_384, context: encoderContext(config) });
    let cli: Promise<unknown> | undefined;
    try {
      await ensureIndex(es, demo, { encoders: textEncoders });
      const report = await indexDocuments(readCatalogFile(catalog), { client: es, pool, index: demo, encoders: textEncoders, refresh: true });
      expect(report.indexed).toBe(docs.length);
      // Reports as users make them, with the CLI verbs, while the photos index.
      cli = Promise.all([
        strata(['eval', 'rerank', '--data', beir, '--split', 'test', '--index', demo, '--report-dir', reportsDir, '--report', 'eval-web', '--concurrency', '2']),
        strata(['data-quality', '--catalog', catalog, '--report-dir', reportsDir, '--report', 'quality-web', '--threshold', '0.9']),
      ]);
      cli.catch(() => undefined); // awaited below; a failure must not count as unhandled meanwhile
      const photos = (await readFashion(path.join(SHARED, 'fashion-products'), 40)).map((d) => ({ ...d, id: String(d.id) }));
      const withImages = [...textEncoders, 'image/mobilenet'];
      await ensureIndex(es, fashion, { encoders: withImages });
      const rows = photos.map((d, i) => ({ line: i + 1, ok: true as const, doc: d as never }));
      expect((await indexDocuments(rows, { client: es, pool, index: fashion, encoders: withImages, refresh: true })).indexed).toBe(40);
      fashionTarget = { id: photos[7]!.id, title: photos[7]!.title, image: String(photos[7]!.image) };
    } finally {
      await pool.close();
      await cli;
    }
    evalReport = JSON.parse(await readFile(path.join(reportsDir, 'eval-web.json'), 'utf8'));
    // The classify report through the functions `eval classify` uses, on made-up predictions (training a classify
    // head would cost minutes).
    const labels = ['fridge', 'oven', 'kettle'];
    const truth = [0, 0, 0, 1, 1, 1, 2, 2, 2, 2];
    const predicted = [0, 0, 1, 1, 1, 2, 2, 2, 2, 0];
    await writeReport(reportsDir, 'classify-web', { head: 'made-up', ...classificationReport(truth, predicted, labels) }, '');

    svc = await start({ ...config, reportsDir, headsDir: path.join(work, 'heads'), service: { ...config.service, port: 0, index: demo, apiKeys: `${KEY}:*` } });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.setDefaultTimeout(30_000);
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await svc?.close();
    for (const alias of [demo, fashion]) {
      const targets = await aliasTargets(es, alias);
      if (targets.length) await es.indices.delete({ index: targets });
    }
    await es.close();
  });

  it('shows the 401 for a missing key as the API says it, then searches with the key from the key field', async () => {
    await page.goto(svc.url + '/');
    await page.fill('#q', 'quiet dishwasher');
    await page.press('#q', 'Enter');
    const error = page.locator('.results .error[data-status="401"]');
    await error.waitFor();
    const direct = await fetch(svc.url + '/v1/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodyFor(demo, 'quiet dishwasher')) });
    const said = ((await direct.json()) as Json).error;
    expect(await error.locator('.error-message').textContent()).toBe(said.message);
    expect(await error.textContent()).toContain(said.code);

    await page.fill('#api-key', KEY);
    await page.click('text=Use key');
    await page.locator('.cards .card').first().waitFor();
    const expected = await api('/v1/search', bodyFor(demo, 'quiet dishwasher'));
    expect(await cardIds()).toEqual(expected.json.hits.map((h: Json) => h.id));
    expect(await page.locator('.card').first().locator('h3').textContent()).toContain(expected.json.hits[0].document.title);
    // The key is in this tab's session storage, never in the address.
    expect(await page.evaluate(() => sessionStorage.getItem('strata.apiKey'))).toBe(KEY);
    expect(page.url()).not.toContain(KEY);
    // Highlighted query terms in the snippets.
    expect(await page.locator('.card .snippet mark').count()).toBeGreaterThan(0);
    await shot('search');
  });

  it('draws each hit as bars that sum to its score, all on one scale, and BM25 / hybrid / reranked side by side', async () => {
    await page.goto(svc.url + '/#/why');
    const rows = page.locator('[data-testid="why-bars"] > li');
    await rows.first().waitFor();
    const bars = await rows.evaluateAll((lis) =>
      lis.map((li) => {
        const svg = li.querySelector('svg.contrib')!;
        const segs = [...svg.querySelectorAll('rect.seg')].map((r) => ({ value: Number(r.getAttribute('data-value')), width: Number(r.getAttribute('width')) }));
        return { id: li.getAttribute('data-id'), score: Number(li.getAttribute('data-score')), shown: li.querySelector('.bar-score')!.textContent, k: Number(svg.getAttribute('data-px-per-unit')), segs };
      }),
    );
    expect(bars.length).toBe(10);
    for (const b of bars) {
      const sum = b.segs.reduce((s, x) => s + x.value, 0);
      expect(sum).toBeCloseTo(b.score, 9);
      expect(Number(b.shown)).toBeCloseTo(b.score, 4);
      // The drawn lengths add up to the score too (all contributions here are >= 0).
      expect(b.segs.reduce((s, x) => s + x.width, 0) / b.k).toBeCloseTo(b.score, 6);
      expect(b.k).toBe(bars[0]!.k);
    }
    // The same numbers as the API's contributions.
    const api1 = await api('/v1/search', bodyFor(demo, 'quiet dishwasher'));
    expect(bars.map((b) => b.id)).toEqual(api1.json.hits.map((h: Json) => h.id));
    // Expanded: signals, features and first-stage ranks.
    await rows.first().locator('summary').click();
    expect(await rows.first().locator('table.features tr').count()).toBeGreaterThan(5);
    expect(await rows.first().locator('table.ranks tr[data-rank-of="bm25"]').count()).toBe(1);
    // Side by side: three columns of ten, lines for the moves.
    const movement = page.locator('[data-testid="movement"] svg.movement');
    await movement.waitFor();
    expect(await movement.locator('g[data-column]').count()).toBe(3);
    expect(await movement.locator('text.rank-label').count()).toBe(30);
    expect(await movement.locator('line.move').count()).toBeGreaterThan(10);
    const bm25 = await api('/v1/search', { query: 'quiet dishwasher', index: demo, top_k: 10, window: 100, mode: 'bm25', rerank: false, explain: false, snippets: false });
    const firstColumn = await movement.locator('g[data-column="BM25 alone"] text.rank-label').evaluateAll((ts) => ts.map((t) => t.getAttribute('data-id')));
    expect(firstColumn).toEqual(bm25.json.hits.map((h: Json) => h.id));
    // A reranked hit from below the hybrid top 10 says where it was: its fused rank, which is below 10.
    const hybridIds = await movement.locator('g[data-column^="hybrid"] text.rank-label').evaluateAll((ts) => ts.map((t) => t.getAttribute('data-id')));
    for (const hit of api1.json.hits as Json[]) {
      if (hybridIds.includes(hit.id)) continue;
      const label = await movement.locator(`g[data-column="reranked"] text.rank-label[data-id="${hit.id}"]`).textContent();
      expect(label).toContain(`(was #${hit.ranks.fused})`);
      expect(hit.ranks.fused).toBeGreaterThan(10);
    }
    await shot('why');
  });

  it('re-ranks as a slider moves, in the order the API gives for the same weights', async () => {
    await page.goto(svc.url + '/#/weights');
    const list = page.locator('[data-testid="weights-order"][data-pending="false"]');
    await list.waitFor();
    const ids = () => page.locator('[data-testid="weights-order"] > li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-id')!));
    const before = await ids();
    // Keyboard: relevance to 0, popularity to its maximum: the order is then the metadata's.
    await page.focus('#w-relevance');
    await page.keyboard.press('Home');
    await page.focus('#w-popularity');
    await page.keyboard.press('End');
    await page.waitForFunction(() => {
      const ol = document.querySelector('[data-testid="weights-order"]');
      const w = JSON.parse(ol?.getAttribute('data-weights') ?? '{}') as Record<string, number>;
      return ol?.getAttribute('data-pending') === 'false' && w.relevance === 0 && w.popularity === 1;
    });
    const weights = JSON.parse((await page.locator('[data-testid="weights-order"]').getAttribute('data-weights'))!) as Record<string, number>;
    expect(weights).toMatchObject({ relevance: 0, popularity: 1, recency: 0.05 });
    const after = await ids();
    const expected = await api('/v1/search', bodyFor(demo, 'quiet dishwasher', weights));
    expect(after).toEqual(expected.json.hits.map((h: Json) => h.id));
    expect(after).not.toEqual(before);
    expect(await page.locator('output[data-signal="popularity"]').textContent()).toBe('1');

    // The request as curl (the key referenced, never written) and as the rescore DSL.
    await page.click('text=Copy as curl');
    const curl = await page.locator('#copy-output').inputValue();
    expect(curl).toContain('"weights":{');
    expect(curl).toContain('$STRATA_API_KEY');
    expect(curl).not.toContain(KEY);
    await page.click('text=Copy as rescore.strata DSL');
    await page.waitForFunction(() => document.querySelector('#copy-output')?.getAttribute('data-what') === 'dsl');
    const dsl = await page.locator('#copy-output').inputValue();
    expect(dsl.split('\n')[0]).toBe(`POST /${demo}/_search`);
    const dslBody = JSON.parse(dsl.slice(dsl.indexOf('\n') + 1)) as Json;
    expect(dslBody.rescore.strata).toMatchObject({ query: 'quiet dishwasher', head: 'default', index_name: demo });
    expect(await page.locator('.copy .note').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('relevance 0')]));
    await shot('weights');
    await page.click('text=Reset to the defaults');
  });

  it('searches by picture: the photo of a product finds it first, with its photo on the card', async () => {
    await page.goto(svc.url + '/#/search');
    await page.selectOption('#index-picker', fashion);
    await page.fill('#q', '');
    await page.setInputFiles('#image-file', fashionTarget.image);
    const first = page.locator('.cards .card').first();
    await page.waitForFunction((id) => document.querySelector('.cards .card')?.getAttribute('data-id') === id, fashionTarget.id);
    expect(await first.locator('h3').textContent()).toContain(fashionTarget.title);
    // The card's photo is the catalog's file, fetched through the service with the key.
    await page.waitForFunction(() => {
      const img = document.querySelector('.cards .card img.photo') as HTMLImageElement | null;
      return !!img && img.complete && img.naturalWidth > 0;
    });
    const direct = await api('/v1/search', { index: fashion, image: (await readFile(fashionTarget.image)).toString('base64'), top_k: 10 });
    expect(await cardIds()).toEqual(direct.json.hits.map((h: Json) => h.id));
    await shot('image-search');
    await page.click('text=Remove picture');
  });

  it('shows a 400 word for word: a price range whose minimum is above its maximum', async () => {
    await page.goto(svc.url + '/#/search');
    await page.selectOption('#index-picker', demo);
    await page.fill('#q', 'fridge');
    await page.press('#q', 'Enter');
    await page.locator('.cards .card').first().waitFor();
    await page.fill('#price-min', '900');
    await page.fill('#price-max', '100');
    const error = page.locator('.results .error[data-status="400"]');
    await error.waitFor();
    const direct = await api('/v1/search', { ...bodyFor(demo, 'fridge'), filters: { price: { gte: 900, lte: 100 } } });
    expect(direct.status).toBe(400);
    expect(await error.locator('.error-message').textContent()).toBe(direct.json.error.message);
    expect(direct.json.error.message).toMatch(/filters\.price/);
    await shot('api-error');
    await page.click('text=Clear filters');
  });

  it('draws the reports `strata eval rerank` and `strata data-quality` wrote in this test, with their commands', async () => {
    await page.goto(svc.url + '/#/models/eval-web');
    const view = page.locator('article.report-view[data-report="eval-web"]');
    await view.waitFor();
    const bars = await view.locator('.bar-chart rect.bar').evaluateAll((rs) => rs.map((r) => ({ label: r.getAttribute('data-label'), value: Number(r.getAttribute('data-value')) })));
    expect(bars).toEqual(evalReport.systems.map((s: Json) => ({ label: s.system, value: s.ndcg10.mean })));
    expect(bars.map((b) => b.label)).toEqual(expect.arrayContaining(['bm25', 'hybrid']));
    const whiskers = await view.locator('.bar-chart g.ci').evaluateAll((gs) => gs.map((g) => [Number(g.getAttribute('data-lower')), Number(g.getAttribute('data-upper'))]));
    expect(whiskers).toEqual(evalReport.systems.map((s: Json) => [s.ndcg10.lower, s.ndcg10.upper]));
    const command = await view.locator('[data-testid="report-command"]').textContent();
    expect(command).toMatch(/^strata eval rerank --data \S+ --split test --index web-demo-/);
    expect(await page.locator('table.encoders tr[data-encoder="text/minilm"]').count()).toBe(1);
    await shot('models-eval-rerank');

    await page.selectOption('#report-picker', 'quality-web');
    const quality = page.locator('article.report-view[data-report="quality-web"]');
    await quality.waitFor();
    expect(await quality.locator('[data-testid="report-command"]').textContent()).toMatch(/^strata data-quality --catalog /);
    const qualityJson = JSON.parse(await readFile(path.join(reportsDir, 'quality-web.json'), 'utf8')) as Json;
    const clusters = qualityJson.exactDuplicates.examples.length + (qualityJson.nearDuplicates?.examples.length ? 1 : 0);
    if (clusters > 0) expect(await quality.locator('svg.clusters g.cluster').count()).toBeGreaterThan(0);
    else expect(await quality.textContent()).toContain('No duplicate clusters');
    await shot('models-data-quality');

    await page.selectOption('#report-picker', 'classify-web');
    const classify = page.locator('article.report-view[data-report="classify-web"]');
    await classify.waitFor();
    const f1 = await classify.locator('.bar-chart').first().locator('rect.bar').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-value'))));
    expect(f1).toHaveLength(3);
    expect(f1).toEqual([...f1].sort((a, b) => a - b));
  });

  it('gives every control on every view a label or a name', async () => {
    await page.goto(svc.url + '/#/search');
    await page.fill('#q', 'kettle');
    await page.press('#q', 'Enter');
    await page.locator('.cards .card').first().waitFor();
    const ready = { search: '.cards .card', why: '[data-testid="movement"]', weights: '#w-relevance', models: '#report-picker' };
    for (const [view, selector] of Object.entries(ready)) {
      await page.goto(`${svc.url}/#/${view}`);
      await page.locator(selector).first().waitFor();
      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll('input, select, textarea, button')]
          .filter((el) => !((el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || (el.tagName === 'BUTTON' && el.textContent!.trim())))
          .map((el) => el.outerHTML.slice(0, 120)),
      );
      expect(unnamed, view).toEqual([]);
      expect(await page.locator('input, select, textarea, button').count(), view).toBeGreaterThan(3);
    }
  });

  it('shows what the query understood as chips; removing one re-runs with its words as plain text', async () => {
    const query = 'dishwasher not bosch';
    await page.goto(svc.url + '/');
    await page.fill('#q', query);
    await page.press('#q', 'Enter');
    const chip = page.locator('.chips .chip', { hasText: 'not brand = Bosch' });
    await chip.waitFor();
    expect(await chip.getAttribute('data-span')).toBe('not bosch');
    const understood = await api('/v1/search', bodyFor(demo, query));
    expect(understood.json.hits.length).toBeGreaterThan(0);
    expect(understood.json.hits.every((h: Json) => h.document.brand !== 'Bosch')).toBe(true);
    expect(await cardIds()).toEqual(understood.json.hits.map((h: Json) => h.id));

    const span = understood.json.understood.spans.find((s: Json) => s.negated === true);
    await chip.locator('button').click();
    await chip.waitFor({ state: 'detached' });
    const plain = await api('/v1/search', { ...bodyFor(demo, query), understand: { ignore: [{ start: span.start, end: span.end }] } });
    expect(plain.json.understood.spans.some((s: Json) => s.negated === true)).toBe(false);
    await page.waitForFunction((ids) => [...document.querySelectorAll('.cards .card')].map((c) => c.getAttribute('data-id')).join(',') === ids, plain.json.hits.map((h: Json) => h.id).join(','));
    // The query box still says what the user typed: removing a chip changes what is understood, not the text.
    expect(await page.inputValue('#q')).toBe(query);
  });
});
