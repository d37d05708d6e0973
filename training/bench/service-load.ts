/**
 * Load benchmark of the service (issue 4): `/v1/rerank` with 100 candidates referenced by id and `/v1/search`
 * (hybrid first stage + rerank of a window of 100), p50/p99 at concurrency 1 and throughput at concurrency 8,
 * with autocannon against the service started in-process over ~1000 indexed demo products. Two passes:
 * `steady` cycles ~50 queries (the query-embedding cache hits), `cold` sends never-repeated variants (every
 * request embeds its query). Next to them, in the same run: ordering the same 100 candidates by MiniLM cosine
 * alone, in-process, so the cost of heads and reranker is visible. Medians over runs; per-stage breakdowns
 * from the responses' `took`. Writes `reports/bench-service.json`.
 *
 *   nice -n 10 npx tsx training/bench/service-load.ts [--duration 10] [--runs 3] [--count 1000]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../service/config.ts';
import { encoderContext } from '../../service/encoders/registry.ts';
import { createEncoderPool, type EncoderPool } from '../../service/pool/pool.ts';
import { loadStoredCandidates } from '../../service/usecases/stored-candidates.ts';
import { firstStageForIds } from '../../service/usecases/first-stage.ts';
import { createQueryEmbedder } from '../../service/usecases/embed.ts';
import { measureInlineRerank, type InlinePass } from './inline-rerank.ts';
import { rowOf } from '../../service/encoders/types.ts';
import { benchQueries, coldVariant, openFixture, positive, postJson, requestCount, type Fixture } from './service-fixture.ts';
import { createLoadRunner, type LoadResult, type LoadRunner } from './load-runner.ts';
import { interleaved, median, percentile } from './summarise-timings.ts';
import { measureUnderstandingCost, type UnderstandingCost } from './understanding-load.ts';

const HELP = `Load benchmark of the Strata service (issue 4).

  nice -n 10 npx tsx training/bench/service-load.ts [options]

Indexes a demo catalog into a throwaway index, starts the service in-process on a free port, and measures
/v1/rerank (100 ids) and /v1/search (top 10, rerank window 100) with autocannon (in a worker thread): p50/p99
at concurrency 1, req/s at concurrency 8, in a steady pass (~50 cycled queries, embedding cache warm) and a
cold pass (unique queries). Also times ordering the same candidates by MiniLM cosine alone, in-process.
Cleans up the index and stops the service at the end.

Options:
  --duration <s>     seconds per measured block (default 10)
  --runs <n>         runs; medians are reported (default 3)
  --warmup <s>       warm-up seconds per endpoint (default 5)
  --count <n>        demo products to index (default 1000)
  --concurrency <n>  connections for the throughput blocks (default 8)
  --encoders <ids>   text encoders (default text/minilm,text/chargram)
  --heads-dir <dir>  head artifacts (default: the config's; the built-in head when none)
  --head <name>      the rerank head to request (default "default")
  --out <file>       JSON report (default reports/bench-service.json)
  --inline-requests <n>  requests per pass of the inline-document rerank (100 passages cold and cached, 8 titles; default 20)
  --inline-only      only the inline-document rerank passes (inline-rerank.ts)
  -h, --help         this text
`;

const TARGETS = { rerankP50: 15, rerankP99: 50, rerankRps: 100, searchP50: 50 };
const INLINE_TARGETS = { cold100: 400, cached100: 25, titles8: 30 };

type Endpoint = 'rerank' | 'search';
type Pass = 'steady' | 'cold';
interface Variant {
  endpoint: Endpoint;
  pass: Pass;
  connections: number;
}
const keyOf = (v: Variant) => `${v.endpoint}/${v.pass}/c${v.connections}`;

interface BlockStats {
  p50: number;
  p99: number;
  rps: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  exhausted: boolean;
  failure?: string;
}

interface Inputs {
  queries: string[];
  ids: string[][];
  queryVectors: Float32Array[];
  candidateVectors: Float32Array[][];
}

/** Orders candidates by cosine with the query: what "MiniLM alone" costs once vectors are at hand. */
function cosineOrder(query: Float32Array, docs: readonly Float32Array[]): number[] {
  let qn = 0;
  for (let j = 0; j < query.length; j++) qn += query[j]! * query[j]!;
  const scores = docs.map((d) => {
    let dot = 0;
    let dn = 0;
    for (let j = 0; j < d.length; j++) {
      dot += d[j]! * query[j]!;
      dn += d[j]! * d[j]!;
    }
    return dot / Math.sqrt(qn * dn || 1);
  });
  return scores.map((_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
}

function summarise(r: LoadResult): BlockStats {
  const s = r.slots[0]!;
  return {
    p50: percentile(s.latenciesMs, 50),
    p99: percentile(s.latenciesMs, 99),
    rps: s.okInWindow / r.durationS,
    ok: s.ok,
    non2xx: s.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    durationS: r.durationS,
    exhausted: r.exhausted,
    ...(s.failure ? { failure: s.failure } : {}),
  };
}

/**
 * Median of each timing over a run's responses, plus the part of the total no stage accounts for; then the
 * median of those over runs, like the client-side figures.
 */
function tookBreakdown(runs: ReadonlyArray<ReadonlyArray<Record<string, number>>>, restName: string): Record<string, number> {
  const nonEmpty = runs.filter((r) => r.length > 0);
  if (nonEmpty.length === 0) return {};
  const keys = Object.keys(nonEmpty[0]![0]!);
  const perRun = nonEmpty.map((tooks) => {
    const out: Record<string, number> = {};
    for (const k of keys) out[k] = median(tooks.map((t) => t[k] ?? 0));
    out[restName] = median(tooks.map((t) => t.totalMs! - keys.filter((k) => k !== 'totalMs').reduce((s, k) => s + (t[k] ?? 0), 0)));
    return out;
  });
  return Object.fromEntries([...keys, restName].map((k) => [k, median(perRun.map((r) => r[k]!))]));
}

/** A markdown table of the took medians: one row per variant, one column per stage. */
function breakdownTable(summary: Record<string, { took: Record<string, number> }>, keys: readonly string[]): string[] {
  const stages = Object.keys(summary[keys[0]!]!.took);
  return [
    `| variant | ${stages.join(' | ')} |`,
    `|---|${stages.map(() => '---:').join('|')}|`,
    ...keys.map((k) => `| ${k} | ${stages.map((st) => fmt(summary[k]!.took[st], 2)).join(' | ')} |`),
  ];
}

const fmt = (x: number | undefined, digits = 1) => (x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');

async function prepareInputs(fx: Fixture, embedder: EncoderPool, encoderId: string): Promise<Inputs> {
  const queries = benchQueries(fx.docs);
  const ids: string[][] = [];
  // The rerank candidate windows are the plain first stage: understood filters would shrink them below 100.
  for (const query of queries) {
    const res = await postJson<{ hits: Array<{ id: string }> }>(`${fx.service.url}/v1/search`, { query, top_k: 100, rerank: false, snippets: false, understand: false });
    if (res.hits.length < 100) throw new Error(`"${query}": the first stage returned ${res.hits.length} candidates, not 100`);
    ids.push(res.hits.map((h) => h.id));
  }
  const batch = await embedder.encode(encoderId, queries);
  const queryVectors = queries.map((_, i) => Float32Array.from(rowOf(batch, i)));
  const candidateVectors: Float32Array[][] = [];
  for (let q = 0; q < queries.length; q++) {
    const { found } = await loadStoredCandidates(fx.es, fx.index, ids[q]!, [encoderId]);
    candidateVectors.push(ids[q]!.map((id) => found.get(id)!.vectors[encoderId]!));
  }
  return { queries, ids, queryVectors, candidateVectors };
}

/**
 * In-process MiniLM-only ordering: the sort over stored vectors, the same with the ES fetch, and embedding a new
 * query (on a one-thread pool of the benchmark's own, like the service's: onnxruntime stays off the main thread).
 */
async function timeCosineOnly(fx: Fixture, embedder: EncoderPool, inputs: Inputs, encoderId: string, coldTexts: string[]) {
  const sortMs: number[] = [];
  for (let rep = 0; rep < 40; rep++) {
    for (let q = 0; q < inputs.queries.length; q++) {
      const t = performance.now();
      cosineOrder(inputs.queryVectors[q]!, inputs.candidateVectors[q]!);
      sortMs.push(performance.now() - t);
    }
  }
  const fetchMs: number[] = [];
  for (let q = 0; q < inputs.queries.length; q++) {
    const t = performance.now();
    const { found } = await loadStoredCandidates(fx.es, fx.index, inputs.ids[q]!, [encoderId]);
    cosineOrder(inputs.queryVectors[q]!, inputs.ids[q]!.map((id) => found.get(id)!.vectors[encoderId]!));
    fetchMs.push(performance.now() - t);
  }
  const embedMs: number[] = [];
  for (const text of coldTexts) {
    const t = performance.now();
    await embedder.encode(encoderId, [text]);
    embedMs.push(performance.now() - t);
  }
  const stats = (xs: number[]) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), n: xs.length });
  return { sortOnly: stats(sortMs), fetchAndSort: stats(fetchMs), queryEmbedding: stats(embedMs) };
}

/**
 * Where `/v1/rerank`'s first stage for ids spends its time, called in-process exactly as the route does
 * (embedding cache warm, as in the steady pass): query embedding, the ES msearch, and the load of the 100
 * stored documents with their vectors. The load is then repeated raw, with and without vectors, to show what
 * the vectors cost in bytes, ES time and client time (HTTP + JSON parse).
 */
async function profileFirstStage(fx: Fixture, embedder: EncoderPool, inputs: Inputs, encoders: readonly string[]) {
  const queryEmbedder = createQueryEmbedder(embedder);
  const took = { embeddingMs: [] as number[], msearchMs: [] as number[], loadMs: [] as number[] };
  const raw = { withVectors: { esTookMs: [] as number[], clientMs: [] as number[], bytes: [] as number[] }, withoutVectors: { esTookMs: [] as number[], clientMs: [] as number[], bytes: [] as number[] } };
  for (let pass = 0; pass < 2; pass++) {
    for (let q = 0; q < inputs.queries.length; q++) {
      const fs = await firstStageForIds({ client: fx.es, pool: embedder, queryEmbedder, index: fx.index, query: inputs.queries[q]!, ids: inputs.ids[q]!, rrfK: fx.config.retrieval.rrfK, encoders });
      if (pass === 0) continue; // the first pass fills the embedding cache
      took.embeddingMs.push(fs.took.embeddingMs);
      took.msearchMs.push(fs.took.retrievalMs);
      took.loadMs.push(fs.took.loadMs);
      for (const [kind, excludeVectors] of [['withVectors', false], ['withoutVectors', true]] as const) {
        const t = performance.now();
        const res = await fetch(`${fx.config.es.url}/${fx.index}/_search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ size: 100, query: { ids: { values: inputs.ids[q] } }, _source: { exclude_vectors: excludeVectors }, track_total_hits: false }),
        });
        const text = await res.text();
        const body = JSON.parse(text) as { took: number };
        raw[kind].clientMs.push(performance.now() - t);
        raw[kind].esTookMs.push(body.took);
        raw[kind].bytes.push(text.length);
      }
    }
  }
  const p50 = (xs: number[]) => percentile(xs, 50);
  return {
    firstStageForIds: { embeddingMs: p50(took.embeddingMs), msearchMs: p50(took.msearchMs), loadMs: p50(took.loadMs) },
    storedLoad: Object.fromEntries(
      Object.entries(raw).map(([k, v]) => [k, { esTookMs: p50(v.esTookMs), clientMs: p50(v.clientMs), bytes: p50(v.bytes) }]),
    ) as Record<'withVectors' | 'withoutVectors', { esTookMs: number; clientMs: number; bytes: number }>,
  };
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      runs: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '5' },
      count: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '8' },
      encoders: { type: 'string', default: 'text/minilm,text/chargram' },
      'heads-dir': { type: 'string' },
      head: { type: 'string', default: 'default' },
      out: { type: 'string', default: 'reports/bench-service.json' },
      'inline-requests': { type: 'string', default: '20' },
      'inline-only': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (args.help) {
    console.log(HELP);
    return;
  }
  const durationS = positive('duration', args.duration);
  const runs = Math.round(positive('runs', args.runs));
  const warmupS = positive('warmup', args.warmup);
  const count = Math.round(positive('count', args.count));
  const concurrency = Math.round(positive('concurrency', args.concurrency));
  const encoders = args.encoders.split(',').map((s) => s.trim()).filter(Boolean);
  const minilm = encoders.find((e) => e.startsWith('text/minilm'));
  if (!minilm) throw new Error('--encoders must include text/minilm (the cosine-only comparison needs its stored vectors)');

  const started = new Date();
  const loadBefore = os.loadavg();
  console.log(`load average at start: ${loadBefore.map((x) => x.toFixed(2)).join(' ')} (${os.availableParallelism()} cores)`);
  const fx = await openFixture({ base: loadConfig(), tag: 'service', textEncoders: encoders, count, ...(args['heads-dir'] ? { headsDir: args['heads-dir'] } : {}) });
  let load: LoadRunner | undefined;
  let embedder: EncoderPool | undefined;
  try {
    const shared = path.resolve(import.meta.dirname, '../../../shared/data');
    const inline = await measureInlineRerank(fx.service.url, { scifact: path.join(shared, 'scifact'), fashion: path.join(shared, 'fashion-products'), requests: Math.round(positive('inline-requests', args['inline-requests'])) });
    const p = (x: InlinePass) => `p50 ${x.p50Ms.toFixed(1)} ms, p99 ${x.p99Ms.toFixed(1)} ms`;
    console.log(
      `inline /v1/rerank, one request at a time (${inline.cold100.requests} per pass; ${fx.config.models.minilmVariant} MiniLM, ${fx.config.pool.threads} workers, load ${os.loadavg()[0]!.toFixed(1)}):\n` +
        `  100 passages (~${inline.meanPassageWords.toFixed(0)} words) cold: ${p(inline.cold100)} (target p50 <= ${INLINE_TARGETS.cold100} ms)\n` +
        `  the same 100 again (cached): ${p(inline.cached100)} (target <= ${INLINE_TARGETS.cached100} ms)\n` +
        `  8 new product titles: ${p(inline.titles8)} (target <= ${INLINE_TARGETS.titles8} ms)`,
    );
    if (args['inline-only']) {
      await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
      await writeFile(path.resolve(args.out), `${JSON.stringify({ date: started.toISOString(), loadAverage: { start: loadBefore, end: os.loadavg() }, minilmVariant: fx.config.models.minilmVariant, inline, targets: INLINE_TARGETS }, null, 2)}\n`);
      console.log(`report: ${args.out}`);
      return;
    }
    load = createLoadRunner();
    embedder = createEncoderPool({ threads: 1, maxQueue: 1024, context: encoderContext(fx.config) });
    await embedder.warm(minilm);
    const url = fx.service.url;
    console.log('first stage windows for the queries ...');
    const inputs = await prepareInputs(fx, embedder, minilm);
    const { queries, ids } = inputs;
    console.log(`${queries.length} queries (${queries.slice(-3).join(' | ')} ...), 100 candidate ids each`);

    const headName = args.head;
    const rerankBody = (q: number, text = queries[q]!) => JSON.stringify({ query: text, index: fx.index, ids: ids[q], head: headName });
    const searchBody = (text: string) => JSON.stringify({ query: text, top_k: 10, rerank: { head: headName } });
    let coldCursor = 0;
    const coldBodies = (endpoint: Endpoint, n: number) =>
      Array.from({ length: n }, (_, i) => {
        const v = coldVariant(queries, coldCursor + i);
        return endpoint === 'rerank' ? rerankBody(v.base, v.text) : searchBody(v.text);
      });

    const probe = await postJson<{ meta: { strata: { head: unknown; took: Record<string, number> } } }>(`${url}/v1/rerank`, JSON.parse(rerankBody(0)));
    const head = probe.meta.strata.head;
    console.log(`head: ${JSON.stringify(head)}`);

    const block = async (v: Variant, seconds: number) => {
      const endpoint = v.endpoint;
      const bodies =
        v.pass === 'steady'
          ? queries.map((q, i) => (endpoint === 'rerank' ? rerankBody(i) : searchBody(q)))
          : coldBodies(endpoint, Math.ceil(seconds * (v.connections === 1 ? 300 : 600)));
      const result = await load!.run({
        url,
        connections: v.connections,
        durationS: seconds,
        bodies: v.pass === 'steady' ? 'cycle' : 'unique',
        tookPath: endpoint === 'rerank' ? 'meta.strata.took' : 'took',
        slots: [{ name: endpoint, path: `/v1/${endpoint}`, bodies }],
      });
      if (v.pass === 'cold') coldCursor += result.slots[0]!.sent;
      return result;
    };

    console.log(`warm-up: ${warmupS} s per endpoint at c=${concurrency} (steady), ${Math.min(2, warmupS)} s cold`);
    for (const endpoint of ['rerank', 'search'] as const) await block({ endpoint, pass: 'steady', connections: concurrency }, warmupS);
    await block({ endpoint: 'rerank', pass: 'cold', connections: 1 }, Math.min(2, warmupS));

    const variants: Variant[] = [];
    for (const pass of ['steady', 'cold'] as const) {
      for (const endpoint of ['rerank', 'search'] as const) for (const connections of [1, concurrency]) variants.push({ endpoint, pass, connections });
    }
    const perRun: Record<string, BlockStats[]> = {};
    const tooks: Record<string, Array<Array<Record<string, number>>>> = {};
    const cosine: Array<Awaited<ReturnType<typeof timeCosineOnly>>> = [];
    const rerankCountBefore = await requestCount(url, '/v1/rerank');
    for (let run = 0; run < runs; run++) {
      console.log(`run ${run + 1}/${runs}`);
      for (const v of interleaved(variants, run)) {
        const r = await block(v, durationS);
        const s = summarise(r);
        (perRun[keyOf(v)] ??= []).push(s);
        (tooks[keyOf(v)] ??= []).push(r.slots[0]!.tooks);
        console.log(
          `  ${keyOf(v).padEnd(17)} p50 ${fmt(s.p50, 2).padStart(7)} ms  p99 ${fmt(s.p99, 2).padStart(7)} ms  ${fmt(s.rps).padStart(6)} req/s` +
            `  (${s.ok} ok${s.non2xx ? `, ${s.non2xx} non-2xx` : ''}${s.errors ? `, ${s.errors} errors` : ''}${s.exhausted ? ', RAN OUT OF UNIQUE QUERIES' : ''})`,
        );
      }
      const coldTexts = Array.from({ length: queries.length }, (_, i) => coldVariant(queries, coldCursor + i).text);
      coldCursor += coldTexts.length;
      const c = await timeCosineOnly(fx, embedder, inputs, minilm, coldTexts);
      cosine.push(c);
      console.log(
        `  MiniLM cosine only (in-process): sort ${fmt(c.sortOnly.p50, 3)} ms, ES fetch + sort ${fmt(c.fetchAndSort.p50, 2)} ms, query embedding ${fmt(c.queryEmbedding.p50, 2)} ms (p50)`,
      );
    }
    const rerankCountAfter = await requestCount(url, '/v1/rerank');

    // ---- Query understanding (issue 13): /v1/search with `understand` on vs off, interleaved, c=1, steady ----
    console.log('query understanding: search with understand on vs off, interleaved ...');
    const understanding: UnderstandingCost = await measureUnderstandingCost(load, url, queries, { durationS, runs, head: headName });
    console.log(`  understand on p50 ${fmt(understanding.onP50, 2)} ms, off ${fmt(understanding.offP50, 2)} ms, added ${fmt(understanding.addedP50, 2)} ms (parse ${fmt(understanding.understandMsP50, 3)} ms)`);
    // ---- end of query understanding ----

    console.log('profiling the first stage for ids in-process ...');
    const profile = await profileFirstStage(fx, embedder, inputs, encoders);

    const summary: Record<string, { p50: number; p99: number; rps: number; runs: BlockStats[]; took: Record<string, number> }> = {};
    for (const v of variants) {
      const k = keyOf(v);
      const blocks = perRun[k]!;
      summary[k] = {
        p50: median(blocks.map((b) => b.p50)),
        p99: median(blocks.map((b) => b.p99)),
        rps: median(blocks.map((b) => b.rps)),
        runs: blocks,
        took: tookBreakdown(tooks[k]!, 'unaccountedMs'),
      };
    }
    const cosineSummary = {
      sortOnlyP50Ms: median(cosine.map((c) => c.sortOnly.p50)),
      sortOnlyP99Ms: median(cosine.map((c) => c.sortOnly.p99)),
      fetchAndSortP50Ms: median(cosine.map((c) => c.fetchAndSort.p50)),
      fetchAndSortP99Ms: median(cosine.map((c) => c.fetchAndSort.p99)),
      queryEmbeddingP50Ms: median(cosine.map((c) => c.queryEmbedding.p50)),
      queryEmbeddingP99Ms: median(cosine.map((c) => c.queryEmbedding.p99)),
    };

    const row = (endpoint: Endpoint, pass: Pass) => {
      const one = summary[`${endpoint}/${pass}/c1`]!;
      const many = summary[`${endpoint}/${pass}/c${concurrency}`]!;
      return `| ${endpoint} | ${pass} | ${fmt(one.p50, 2)} | ${fmt(one.p99, 2)} | ${fmt(one.rps)} | ${fmt(many.rps)} | ${fmt(many.p50, 2)} | ${fmt(many.p99, 2)} |`;
    };
    const rs = summary['rerank/steady/c1']!;
    const rt = summary[`rerank/steady/c${concurrency}`]!;
    const ss = summary['search/steady/c1']!;
    const lines = [
      '',
      `## Service load (${count} demo products, ${encoders.join(' + ')}, head ${JSON.stringify(head)}; median of ${runs} runs x ${durationS} s)`,
      '',
      `| endpoint | pass | c=1 p50 ms | c=1 p99 ms | c=1 req/s | c=${concurrency} req/s | c=${concurrency} p50 ms | c=${concurrency} p99 ms |`,
      '|---|---|---:|---:|---:|---:|---:|---:|',
      row('rerank', 'steady'),
      row('rerank', 'cold'),
      row('search', 'steady'),
      row('search', 'cold'),
      '',
      'Targets (steady pass):',
      `- rerank p50 <= ${TARGETS.rerankP50} ms: ${fmt(rs.p50, 2)} ms, ${mark(rs.p50 <= TARGETS.rerankP50)}`,
      `- rerank p99 <= ${TARGETS.rerankP99} ms: ${fmt(rs.p99, 2)} ms, ${mark(rs.p99 <= TARGETS.rerankP99)}`,
      `- rerank >= ${TARGETS.rerankRps} req/s at c=${concurrency}: ${fmt(rt.rps)} req/s, ${mark(rt.rps >= TARGETS.rerankRps)}`,
      `- search p50 <= ${TARGETS.searchP50} ms: ${fmt(ss.p50, 2)} ms, ${mark(ss.p50 <= TARGETS.searchP50)}`,
      '',
      'Ordering the same 100 candidates by MiniLM cosine alone (in-process, no HTTP), p50 / p99:',
      `- cosine + sort over stored vectors already in memory: ${fmt(cosineSummary.sortOnlyP50Ms, 3)} / ${fmt(cosineSummary.sortOnlyP99Ms, 3)} ms`,
      `- fetching the 100 stored vectors from ES by id + cosine + sort: ${fmt(cosineSummary.fetchAndSortP50Ms, 2)} / ${fmt(cosineSummary.fetchAndSortP99Ms, 2)} ms`,
      `- embedding a new query with MiniLM (a one-thread encoder pool of its own; the cold pass pays this): ${fmt(cosineSummary.queryEmbeddingP50Ms, 2)} / ${fmt(cosineSummary.queryEmbeddingP99Ms, 2)} ms`,
      `- so heads + reranker over cosine alone, per request at c=1 (steady): features ${fmt(rs.took.featuresMs, 2)} + head ${fmt(rs.took.headMs, 2)} + metadata rerank ${fmt(rs.took.rerankMs, 2)} ms ` +
        `= ${fmt((rs.took.featuresMs ?? 0) + (rs.took.headMs ?? 0) + (rs.took.rerankMs ?? 0), 2)} ms, against ${fmt(cosineSummary.sortOnlyP50Ms, 3)} ms for the cosine sort; ` +
        `the rest of the ${fmt(rs.took.totalMs, 1)} ms is mostly the first stage for ids (query embedding ${fmt(rs.took.embeddingMs, 1)} + retrieval ${fmt(rs.took.retrievalMs, 1)} ms).`,
      '',
      `In-process profile of the rerank route's first stage for ids (p50, ms, embedding cache warm): query embedding ${fmt(profile.firstStageForIds.embeddingMs, 2)}, ` +
        `ES msearch (BM25 + kNN restricted to the ids) ${fmt(profile.firstStageForIds.msearchMs, 2)}, load of the 100 stored documents with vectors ${fmt(profile.firstStageForIds.loadMs, 2)}.`,
      `The same load done raw: with vectors ${fmt(profile.storedLoad.withVectors.bytes / 1024, 0)} KB, ES took ${fmt(profile.storedLoad.withVectors.esTookMs, 0)} ms, client ${fmt(profile.storedLoad.withVectors.clientMs, 2)} ms; ` +
        `without vectors ${fmt(profile.storedLoad.withoutVectors.bytes / 1024, 0)} KB, ES took ${fmt(profile.storedLoad.withoutVectors.esTookMs, 0)} ms, client ${fmt(profile.storedLoad.withoutVectors.clientMs, 2)} ms.`,
      '',
      "Server-side breakdown (took of the responses, ms: per-run medians, median over runs). Embedding and retrieval (msearch + stored-document load) are the first stage; rerank's otherMs is parsing, validation and the rest, so its stages add up to totalMs.",
      '',
      ...breakdownTable(summary, ['rerank/steady/c1', 'rerank/cold/c1', `rerank/steady/c${concurrency}`, `rerank/cold/c${concurrency}`]),
      '',
      ...breakdownTable(summary, ['search/steady/c1', 'search/cold/c1', `search/steady/c${concurrency}`, `search/cold/c${concurrency}`]),
      // ---- Query understanding (issue 13) ----
      '',
      `Query understanding (search, steady, c=1, on and off alternating request by request; median of ${runs} runs): p50 with ${fmt(understanding.onP50, 2)} ms, ` +
        `without ${fmt(understanding.offP50, 2)} ms, added ${fmt(understanding.addedP50, 2)} ms (target <= 2 ms: ${mark(understanding.addedP50 <= 2)}); ` +
        `the parser itself (took.understandMs, vocabulary cached) ${fmt(understanding.understandMsP50, 3)} ms.`,
      // ---- end of query understanding ----
    ];
    console.log(lines.join('\n'));

    const failures = Object.entries(perRun).flatMap(([k, bs]) =>
      bs.filter((b) => b.non2xx || b.errors || b.timeouts || b.exhausted).map((b) => `${k}: ${b.non2xx} non-2xx, ${b.errors} errors, ${b.timeouts} timeouts${b.exhausted ? ', ran out of unique queries' : ''}${b.failure ? ` (${b.failure})` : ''}`),
    );
    const report = {
      date: started.toISOString(),
      command: `nice -n 10 npx tsx training/bench/service-load.ts --duration ${durationS} --runs ${runs} --count ${count}${args['heads-dir'] ? ` --heads-dir ${args['heads-dir']}` : ''}${headName !== 'default' ? ` --head ${headName}` : ''}`,
      catalog: { documents: count, generator: 'training/demo/make-catalog.ts (seed 42)' },
      encoders,
      head,
      queries,
      durationS,
      runs,
      warmupS,
      concurrency,
      targets: TARGETS,
      targetsMet: {
        rerankP50: rs.p50 <= TARGETS.rerankP50,
        rerankP99: rs.p99 <= TARGETS.rerankP99,
        rerankRps: rt.rps >= TARGETS.rerankRps,
        searchP50: ss.p50 <= TARGETS.searchP50,
      },
      results: summary,
      cosineOnly: { summary: cosineSummary, runs: cosine },
      firstStageProfile: profile,
      understanding,
      loadAverage: { start: loadBefore, end: os.loadavg(), cores: os.availableParallelism() },
      serviceRerankRequests: { before: rerankCountBefore, after: rerankCountAfter },
      failures,
      inline,
      markdown: lines.join('\n'),
    };
    await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
    await writeFile(path.resolve(args.out), JSON.stringify(report, null, 2) + '\n');
    console.log(`\nreport: ${args.out}`);
    if (failures.length) throw new Error(`some requests failed:\n  ${failures.join('\n  ')}`);
  } finally {
    await load?.close();
    await embedder?.close();
    await fx.close();
    console.log('cleaned up: service stopped, index deleted');
  }
}

main().catch((err: unknown) => {
  console.error(`service-load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
