/**
 * Metrics and the request log, over real HTTP: `/metrics` parses with a Prometheus text-format parser and follows
 * the naming conventions; a client that disconnects mid-request (during encoding, or while Elasticsearch is
 * working) is counted as status 499 and never as a 502 or an Elasticsearch error; every request is logged once,
 * as text or JSON, with its id echoed in `x-request-id`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format';
import { loadConfig } from '../../service/config.ts';
import { start, type RunningService } from '../../service/app/start.ts';
import { createEsClient, esCall } from '../../service/es/client.ts';
import { createEncoderPool } from '../../service/pool/pool.ts';
import { formatRequestLine } from '../../service/app/request-log.ts';
import { makeApp } from '../helpers/app.ts';

const esUrl = inject('esUrl');

async function scrapeText(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The metric families, parsed by a Prometheus text-format parser (it throws on a malformed line). */
async function scrape(url: string): Promise<MetricFamily[]> {
  return parsePrometheusTextFormat(await scrapeText(url));
}

const family = (families: MetricFamily[], name: string) => families.find((f) => f.name === name);
const requestCount = (families: MetricFamily[], labels: Record<string, string>) =>
  (family(families, 'strata_http_requests_total')?.metrics ?? [])
    .filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value), 0);
const esErrorCount = (families: MetricFamily[]) => (family(families, 'strata_es_errors_total')?.metrics ?? []).reduce((sum, m) => sum + Number(m.value), 0);

/** Polls the metrics until `done` holds (the server notices a disconnect a moment after the client leaves). */
async function waitForMetrics(url: string, done: (f: MetricFamily[]) => boolean, timeoutMs = 30_000): Promise<MetricFamily[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const families = await scrape(url);
    if (done(families) || Date.now() > until) return families;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a POST and aborts it after `afterMs`, as a client timing out would. */
async function abortedPost(url: string, body: unknown, afterMs: number): Promise<void> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), afterMs);
  await expect(fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: ac.signal })).rejects.toThrow(/abort/i);
  clearTimeout(timer);
}

describe('/metrics', () => {
  it('parses as Prometheus text, names counters _total and durations _seconds, and has the process and Node.js metrics', async () => {
    const service = await start(loadConfig({ STRATA_ES_URL: esUrl, STRATA_PORT: '0', STRATA_POOL_THREADS: '1', STRATA_TEXT_ENCODERS: 'text/chargram', STRATA_LOG_REQUESTS: 'false' }));
    try {
      await fetch(`${service.url}/healthz`);
      await fetch(`${service.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'q', documents: ['a', 'b'] }) });
      const text = await scrapeText(service.url);
      const families = parsePrometheusTextFormat(text);
      expect(() => parsePrometheusTextFormat('strata_broken{route="/a" 1\n')).toThrow(/invalid line/i);
      const ours = families.filter((f) => f.name.startsWith('strata_'));
      expect(ours.map((f) => f.name).sort()).toEqual([
        'strata_document_cache_bytes',
        'strata_document_cache_entries',
        'strata_document_cache_hits',
        'strata_document_cache_misses',
        'strata_es_errors_total',
        'strata_http_request_duration_seconds',
        'strata_http_requests_total',
        'strata_pool_queue_depth',
        'strata_pool_tasks_completed_total',
      ]);
      for (const f of ours) {
        if (f.type === 'COUNTER') expect(f.name).toMatch(/_total$/);
        else expect(f.name).not.toMatch(/_total$/);
        if (f.type === 'HISTOGRAM') expect(f.name).toMatch(/_seconds$/);
      }
      expect(requestCount(families, { route: '/healthz', method: 'GET', status: '200' })).toBe(1);
      expect(requestCount(families, { route: '/v1/rerank', method: 'POST', status: '200' })).toBe(1);
      expect(Number(family(families, 'strata_pool_tasks_completed_total')!.metrics[0]!.value)).toBeGreaterThan(0);
      // The parser folds a labelled histogram's samples into one (a limitation of its prom2json port), so the
      // histogram's type comes from it and its per-route count from the exposition line itself.
      expect(family(families, 'strata_http_request_duration_seconds')!.type).toBe('HISTOGRAM');
      expect(text).toMatch(/^strata_http_request_duration_seconds_count\{route="\/v1\/rerank",method="POST"\} 1$/m);
      for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
        expect(family(families, name), name).toBeDefined();
      }
    } finally {
      await service.close();
    }
  });
});

describe('client aborts', () => {
  it('counts a client that disconnects during encoding as 499, not as a 502 or an Elasticsearch error, and keeps serving', async () => {
    const service: RunningService = await start(loadConfig({ STRATA_ES_URL: esUrl, STRATA_PORT: '0', STRATA_POOL_THREADS: '1', STRATA_LOG_REQUESTS: 'false' }));
    try {
      // A large inline rerank: a hundred and more documents through MiniLM take seconds.
      const documents = Array.from({ length: 150 }, (_, i) => `Document ${i} about dishwashers, fridges and ovens. `.repeat(10));
      await abortedPost(`${service.url}/v1/rerank`, { query: 'quiet dishwasher', documents }, 300);
      const families = await waitForMetrics(service.url, (f) => requestCount(f, { route: '/v1/rerank', status: '499' }) > 0);
      expect(requestCount(families, { route: '/v1/rerank', status: '499' })).toBe(1);
      expect(requestCount(families, { route: '/v1/rerank', status: '502' })).toBe(0);
      expect(requestCount(families, { route: '/v1/rerank', status: '200' })).toBe(0);
      expect(esErrorCount(families)).toBe(0);
      const after = await fetch(`${service.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'q', documents: ['a'] }) });
      expect(after.status).toBe(200);
    } finally {
      await service.close();
    }
  });

  it('counts a client that disconnects while Elasticsearch works as 499, never as an Elasticsearch error', async () => {
    // An Elasticsearch that accepts the search and never answers, so the abort lands inside the ES client's call.
    const sockets = new Set<Socket>();
    const silent = http.createServer(() => undefined);
    silent.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const service = await start(loadConfig({ STRATA_ES_URL: url, STRATA_ES_TIMEOUT_MS: '60000', STRATA_PORT: '0', STRATA_POOL_THREADS: '1', STRATA_TEXT_ENCODERS: 'text/chargram', STRATA_LOG_REQUESTS: 'false' }));
    try {
      await abortedPost(`${service.url}/v1/search`, { query: 'fridge', mode: 'bm25', rerank: false }, 500);
      const families = await waitForMetrics(service.url, (f) => requestCount(f, { route: '/v1/search', status: '499' }) > 0);
      expect(requestCount(families, { route: '/v1/search', status: '499' })).toBe(1);
      expect(requestCount(families, { route: '/v1/search', status: '502' })).toBe(0);
      expect(esErrorCount(families)).toBe(0);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
      await service.close();
    }
  });

  it("maps the Elasticsearch client's own abort error to `aborted`, not an Elasticsearch error", async () => {
    const es = createEsClient({ url: esUrl });
    try {
      await expect(esCall(es, (c) => c.cluster.health({}, { signal: AbortSignal.abort() }))).rejects.toMatchObject({ code: 'aborted', status: 499 });
    } finally {
      await es.close();
    }
  });
});

describe('request log', () => {
  it('writes one line per request with method, route, status, duration and id, as text or JSON, and echoes x-request-id', async () => {
    const base = loadConfig({ STRATA_ES_URL: esUrl, STRATA_TEXT_ENCODERS: 'text/chargram' });
    const es = createEsClient({ url: esUrl });
    const pool = createEncoderPool({ threads: 1 });
    try {
      const lines: string[] = [];
      const { app: textApp } = await makeApp({ config: base, es, pool, log: (l) => lines.push(l) });
      const given = await textApp.request('/healthz', { headers: { 'x-request-id': 'trace-42' } });
      expect(given.headers.get('x-request-id')).toBe('trace-42');
      const made = await textApp.request('/v1/indices/Bad_Name/documents/x', { method: 'DELETE' });
      const madeId = made.headers.get('x-request-id')!;
      expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
      // An id with spaces or control characters is not trusted into the log: a new one is made.
      const unsafe = await textApp.request('/healthz', { headers: { 'x-request-id': 'a b\tc' } });
      expect(unsafe.headers.get('x-request-id')).not.toBe('a b\tc');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z GET \/healthz 200 [\d.]+ms id=trace-42$/);
      expect(lines[1]).toMatch(new RegExp(`^\\S+ DELETE /v1/indices/:name/documents/:id \\(/v1/indices/Bad_Name/documents/x\\) 400 [\\d.]+ms id=${madeId}$`));

      const jsonLines: string[] = [];
      const { app: jsonApp } = await makeApp({ config: { ...base, log: { format: 'json', requests: true } }, es, pool, log: (l) => jsonLines.push(l) });
      await jsonApp.request('/nope');
      expect(jsonLines).toHaveLength(1);
      const entry = JSON.parse(jsonLines[0]!) as Record<string, unknown>;
      expect(entry).toMatchObject({ msg: 'request', method: 'GET', route: 'unmatched', path: '/nope', status: 404 });
      expect(entry.duration_ms).toBeTypeOf('number');
      expect(entry.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(formatRequestLine('text', { method: 'POST', route: '/v1/search', path: '/v1/search', status: 499, durationMs: 12.345, requestId: 'r1' }, new Date(0))).toBe(
        '1970-01-01T00:00:00.000Z POST /v1/search 499 12.3ms id=r1',
      );
    } finally {
      await pool.close();
      await es.close();
    }
  });

  it('can be switched off by configuration', async () => {
    expect(loadConfig({}).log).toEqual({ format: 'text', requests: true });
    expect(loadConfig({ STRATA_LOG_REQUESTS: 'false', STRATA_LOG_FORMAT: 'json' }).log).toEqual({ format: 'json', requests: false });
    expect(() => loadConfig({ STRATA_LOG_FORMAT: 'xml' })).toThrow(/STRATA_LOG_FORMAT/);
  });
});
