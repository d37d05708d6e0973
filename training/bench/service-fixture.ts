/**
 * What the service and plugin load benchmarks share: a demo catalog indexed into a throwaway index (with the
 * real encoders), the service started in-process against it, ~50 product-like queries (some of them model
 * codes from the catalog), never-repeated variants of them for cold-cache runs, and the service's request
 * count from `/metrics`. Everything it creates is removed by `close()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { Config } from '../../service/config.ts';
import { createEsClient } from '../../service/es/client.ts';
import { createProductIndex } from '../../service/es/indices.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { indexDocuments } from '../../service/indexing/index-documents.ts';
import { readCatalogFile } from '../../service/catalog/read.ts';
import { start, type RunningService } from '../../service/app/start.ts';
import type { CatalogDocumentInput } from '../../service/catalog/schema.ts';
import { makeDemoCatalog, writeDemoCatalog } from '../demo/make-catalog.ts';

export interface FixtureOptions {
  /** The config the service would run with; index, port and encoders are overridden. */
  base: Config;
  /** Names the throwaway index: `bench-<tag>-<time>`. */
  tag: string;
  textEncoders: readonly string[];
  count?: number;
  seed?: number;
  headsDir?: string;
  log?: (line: string) => void;
}

export interface Fixture {
  config: Config;
  es: Client;
  index: string;
  docs: CatalogDocumentInput[];
  service: RunningService;
  close(): Promise<void>;
}

/**
 * Indexes the demo catalog into a fresh index and starts the service on a free port against it.
 *
 * @example const fx = await openFixture({ base: loadConfig(), tag: 'service', textEncoders: ['text/minilm', 'text/chargram'] });
 */
export async function openFixture({ base, tag, textEncoders, count = 1000, seed = 42, headsDir, log = console.log }: FixtureOptions): Promise<Fixture> {
  const index = `bench-${tag}-${Date.now()}`;
  const config: Config = {
    ...base,
    ...(headsDir ? { headsDir } : {}),
    service: { ...base.service, port: 0, index },
    retrieval: { ...base.retrieval, textEncoders: [...textEncoders] },
    // A line per request would cost the measured service time and flood the bench's output.
    log: { ...base.log, requests: false },
  };
  const es = createEsClient({ url: config.es.url, timeoutMs: 120_000 });
  const dir = await mkdtemp(path.join(os.tmpdir(), `strata-bench-${tag}-`));
  let created = false;
  let service: RunningService | undefined;
  const close = async () => {
    await service?.close().catch((err: unknown) => log(`warning: stopping the service failed: ${String(err)}`));
    if (created) await es.indices.delete({ index }, { ignore: [404] }).catch((err: unknown) => log(`warning: could not delete index ${index}: ${String(err)}`));
    await rm(dir, { recursive: true, force: true });
    await es.close();
  };
  try {
    const file = path.join(dir, 'catalog.jsonl');
    await writeDemoCatalog(file, { count, seed });
    const pool = createEncoderPool({ threads: config.pool.threads, maxQueue: config.pool.maxQueue, context: encoderContext(config) });
    try {
      await createProductIndex(es, index, { encoders: textEncoders });
      created = true;
      log(`indexing ${count} demo products into ${index} with ${textEncoders.join(', ')} ...`);
      let shown = 0;
      const report = await indexDocuments(readCatalogFile(file), {
        client: es,
        pool,
        index,
        encoders: textEncoders,
        refresh: true,
        onProgress: ({ indexed }) => {
          if (indexed - shown >= 250) log(`  ${(shown = indexed)} indexed`);
        },
      });
      const bad = [...report.invalid, ...report.dropped, ...report.encodeErrors];
      if (bad.length || report.indexed !== count) {
        throw new Error(`the catalog did not index cleanly (${report.indexed} of ${count}): ${JSON.stringify(bad.slice(0, 3))}`);
      }
      log(`  ${report.indexed} indexed in ${report.seconds.toFixed(1)} s`);
    } finally {
      await pool.close();
    }
    service = await start(config);
    log(`service at ${service.url} (index ${index}, encoders ${textEncoders.join(', ')})`);
    return { config, es, index, docs: makeDemoCatalog({ count, seed }), service, close };
  } catch (err) {
    await close();
    throw err;
  }
}

const QUERIES = [
  'quiet dishwasher under $600',
  '55 inch oled tv',
  'energy efficient fridge',
  'french door refrigerator with ice maker',
  'front load washing machine 9 kg',
  'heat pump dryer',
  'cheap microwave',
  'espresso machine with milk frother',
  'cordless vacuum for pet hair',
  'noise cancelling headphones',
  'wireless earbuds under $150',
  'gaming laptop 16gb ram',
  'lightweight laptop for students',
  'smartphone with the best camera',
  'android phone under $400',
  '65" qled tv 120hz',
  '85 inch tv for a home theater',
  'built-in wall oven stainless steel',
  'bosch dishwasher',
  'samsung refrigerator black stainless',
  'lg washing machine with steam',
  'sony headphones',
  'quiet washing machine for an apartment',
  'large capacity dryer',
  'countertop microwave 1000 w',
  'bean to cup coffee machine',
  'bagless vacuum cleaner',
  'mini-led tv',
  '8k tv',
  'laptop with long battery life',
  'phone with a big battery',
  'over-ear headphones for travel',
  'top freezer refrigerator under $1000',
  'smart tv with google tv',
  'fridge that is not noisy',
  'dryer that is gentle on clothes',
  'coffee maker for a small office',
  'tv for gaming with hdmi 2.1',
  'miele vacuum',
  'budget laptop around $500',
];

/**
 * About fifty varied product queries: hand-written shopper queries plus model codes and brand + model phrases
 * taken from the catalog (the exact-match case).
 *
 * @example benchQueries(makeDemoCatalog({ count: 1000 })).length // 50
 */
export function benchQueries(docs: readonly CatalogDocumentInput[], { codes = 10 } = {}): string[] {
  const withModel = docs.filter((d) => typeof d.attributes?.model === 'string');
  const step = Math.max(1, Math.floor(withModel.length / codes));
  const picked = Array.from({ length: Math.min(codes, withModel.length) }, (_, i) => withModel[i * step]!);
  const coded = picked.map((d, i) => (i % 2 ? `${d.brand ?? ''} ${String(d.attributes!.model)}`.trim() : String(d.attributes!.model)));
  return [...QUERIES, ...coded];
}

const COLOURS = ['', 'black', 'white', 'stainless', 'silver', 'new', 'best', 'cheap', 'premium', 'compact', 'large', 'refurbished', 'sale', '2025', 'family size', 'slim', 'quiet', 'smart', 'wifi', 'easy to clean'];
const INTENTS = ['', 'reviews', 'deal', 'in stock', 'top rated', 'best seller', 'with warranty', 'free delivery', 'near me', 'comparison', 'specs', 'energy star', 'gift', 'for a small kitchen', 'for a family of four', 'low noise', 'fast delivery', 'recommended', 'price', 'rating'];
const TAILS = ['', 'uk', 'usa', 'online', 'today', '2 year warranty', 'model', 'vs competitors', 'manual', 'accessories'];

/**
 * The `n`-th never-repeated variant of the base queries (base text plus up to three qualifiers), so each
 * request misses the query-embedding cache; `base` says which query's candidates it goes with.
 *
 * @example coldVariant(['fridge'], 0) // { base: 0, text: 'fridge reviews' }
 */
export function coldVariant(bases: readonly string[], n: number): { base: number; text: string } {
  const combos = COLOURS.length * INTENTS.length * TAILS.length - 1; // all but "no qualifier at all"
  if (n >= bases.length * combos) throw new RangeError(`only ${bases.length * combos} distinct variants`);
  const base = n % bases.length;
  let k = Math.floor(n / bases.length) + 1;
  const intent = INTENTS[k % INTENTS.length]!;
  k = Math.floor(k / INTENTS.length);
  const colour = COLOURS[k % COLOURS.length]!;
  const tail = TAILS[Math.floor(k / COLOURS.length)]!;
  return { base, text: [bases[base]!, colour, intent, tail].filter(Boolean).join(' ') };
}

/**
 * POST requests the service has answered on `route`, by status, from its `/metrics`.
 *
 * @example await requestCount('http://127.0.0.1:8787', '/v1/rerank') // { '200': 1234 }
 */
export async function requestCount(serviceUrl: string, route: string): Promise<Record<string, number>> {
  const res = await fetch(`${serviceUrl}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
  const counts: Record<string, number> = {};
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('strata_http_requests_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    if (labels.route !== route || labels.method !== 'POST') continue;
    counts[labels.status!] = (counts[labels.status!] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

/**
 * Total seconds and count of the service's `route` latency histogram, from `/metrics` (a mean over a block is
 * the difference of two readings).
 *
 * @example const { sum, count } = await routeTime('http://127.0.0.1:8787', '/v1/rerank');
 */
export async function routeTime(serviceUrl: string, route: string): Promise<{ sum: number; count: number }> {
  const res = await fetch(`${serviceUrl}/metrics`);
  if (!res.ok) throw new Error(`GET /metrics: ${res.status}`);
  const out = { sum: 0, count: 0 };
  for (const line of (await res.text()).split('\n')) {
    const m = /^strata_http_request_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$/.exec(line);
    if (!m || !m[2]!.includes(`route="${route}"`) || !m[2]!.includes('method="POST"')) continue;
    out[m[1] as 'sum' | 'count'] += Number(m[3]);
  }
  return out;
}

/**
 * POSTs JSON and returns the parsed answer; a non-2xx status throws with the body.
 *
 * @example const r = await postJson<{ hits: unknown[] }>(`${url}/v1/search`, { query: 'tv' });
 */
export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

/**
 * A positive number from a command-line flag, or an error naming the flag.
 *
 * @example positive('duration', '10') // 10
 */
export function positive(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return n;
}
