/**
 * `/v1/rerank` with documents sent inline (the RAG pattern), over HTTP against a running service, one request at
 * a time: 100 passages of ~50 tokens never seen before (cold: every passage is embedded), the same 100 again
 * (cached: the document embedding cache answers), and 8 product titles never seen before. p50/p99 per pass.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readBeirCorpus, readBeirQueries } from '../data/beir.ts';
import { percentile } from './summarise-timings.ts';

export interface InlinePass {
  requests: number;
  p50Ms: number;
  p99Ms: number;
}

export interface InlineRerankResult {
  cold100: InlinePass;
  cached100: InlinePass;
  titles8: InlinePass;
  meanPassageWords: number;
}

/** Up to `words` words of each SciFact abstract: distinct passages of about 50 tokens. */
async function passages(scifact: string, count: number, words = 36): Promise<string[]> {
  const out: string[] = [];
  for await (const d of readBeirCorpus(scifact)) {
    out.push(d.text.split(/\s+/).slice(0, words).join(' '));
    if (out.length >= count) break;
  }
  return out;
}

async function titles(fashion: string): Promise<string[]> {
  const rows = (await readFile(path.join(fashion, 'styles.csv'), 'utf8')).trim().split('\n').slice(1);
  return rows.map((r) => r.split(',').slice(9).join(',').trim()).filter(Boolean);
}

async function timed(url: string, body: unknown): Promise<number> {
  const t = performance.now();
  const res = await fetch(`${url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`/v1/rerank answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  await res.arrayBuffer();
  return performance.now() - t;
}

const pass = (ms: number[]): InlinePass => ({ requests: ms.length, p50Ms: percentile(ms, 50), p99Ms: percentile(ms, 99) });

/**
 * Runs the three passes against `url`.
 *
 * @example const r = await measureInlineRerank('http://127.0.0.1:8787', { scifact, fashion, requests: 20 });
 */
export async function measureInlineRerank(url: string, { scifact, fashion, requests = 20 }: { scifact: string; fashion: string; requests?: number }): Promise<InlineRerankResult> {
  const docs = await passages(scifact, 100 * (requests + 2));
  const claims: string[] = [];
  for await (const q of readBeirQueries(scifact)) claims.push(q.text);
  const names = await titles(fashion);
  // Warm-up (sessions, JIT) with passages the measured passes do not use.
  await timed(url, { query: claims[0], documents: docs.slice(0, 100) });
  await timed(url, { query: claims[1], documents: names.slice(0, 8) });
  const cold: number[] = [];
  const cached: number[] = [];
  const eight: number[] = [];
  for (let i = 0; i < requests; i++) {
    const batch = docs.slice(100 * (i + 1), 100 * (i + 2));
    cold.push(await timed(url, { query: claims[(2 + i) % claims.length], documents: batch }));
    cached.push(await timed(url, { query: claims[(2 + i) % claims.length], documents: batch }));
    eight.push(await timed(url, { query: claims[(3 + i) % claims.length], documents: names.slice(8 * (i + 1), 8 * (i + 2)) }));
  }
  const words = docs.slice(0, 100).reduce((s, d) => s + d.split(/\s+/).length, 0) / 100;
  return { cold100: pass(cold), cached100: pass(cached), titles8: pass(eight), meanPassageWords: words };
}
