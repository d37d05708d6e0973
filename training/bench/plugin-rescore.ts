/**
 * Benchmark of the `strata` rescorer (issue 6): Elasticsearch search latency p50/p99 with and without
 * `rescore.strata` over a window of 100, at concurrency 1, in one run with the two alternating request by
 * request (so machine load hits both alike). The service runs in-process over ~1000 indexed demo products and
 * the plugin is pointed at it through `strata.service.url`. Every rescored search is checked to have reached
 * the service (its `/metrics` request count), and a few rescored orders are compared with `/v1/rerank`'s.
 * Writes `reports/bench-plugin.json`.
 *
 *   nice -n 10 npx tsx training/bench/plugin-rescore.ts [--duration 10] [--runs 3]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { loadConfig } from '../../service/config.ts';
import { benchQueries, openFixture, positive, postJson, requestCount, routeTime } from './service-fixture.ts';
import { createLoadRunner, type LoadRunner } from './load-runner.ts';
import { median, percentile } from './summarise-timings.ts';

const HELP = `Benchmark of the Elasticsearch strata rescorer (issue 6).

  nice -n 10 npx tsx training/bench/plugin-rescore.ts [options]

Indexes a demo catalog into a throwaway index, starts the service in-process, points the plugin at it
(cluster setting strata.service.url), and measures POST <index>/_search latency with and without
rescore.strata (window 100) at concurrency 1, alternating request by request, with autocannon. Checks that
every rescored search reached the service. Restores the cluster setting, deletes the index and stops the
service at the end.

Options:
  --duration <s>     seconds per run (both variants share it) (default 10)
  --runs <n>         runs; medians are reported (default 3)
  --warmup <s>       warm-up seconds (default 5)
  --count <n>        demo products to index (default 1000)
  --window <n>       rescore window_size (default 100)
  --timeout-ms <n>   the rescorer's timeout_ms (default 1000)
  --encoders <ids>   text encoders (default text/minilm,text/chargram)
  --heads-dir <dir>  head artifacts (default: the config's; the built-in head when none)
  --head <name>      the head the rescorer asks for (default "default")
  --out <file>       JSON report (default reports/bench-plugin.json)
  -h, --help         this text
`;

const SETTING = 'strata.service.url';

/** The persistent and transient values of the setting (null when unset). */
async function serviceUrlSetting(es: Client): Promise<{ persistent: string | null; transient: string | null }> {
  const res = await es.cluster.getSettings({ flat_settings: true });
  const value = (o: Record<string, unknown> | undefined) => (typeof o?.[SETTING] === 'string' ? (o[SETTING] as string) : null);
  return { persistent: value(res.persistent), transient: value(res.transient) };
}

/**
 * The service's `/v1/rerank` count after a block has drained: a search cut off when the block ends may still
 * reach the service, for at most the rescorer's timeout, and must be counted in its own block, not the next.
 */
async function settledCount(url: string, afterMs: number): Promise<Record<string, number>> {
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  return requestCount(url, '/v1/rerank');
}

type Hits = { hits: { hits: Array<{ _id: string }> } };

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      runs: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '5' },
      count: { type: 'string', default: '1000' },
      window: { type: 'string', default: '100' },
      'timeout-ms': { type: 'string', default: '1000' },
      encoders: { type: 'string', default: 'text/minilm,text/chargram' },
      'heads-dir': { type: 'string' },
      head: { type: 'string', default: 'default' },
      out: { type: 'string', default: 'reports/bench-plugin.json' },
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
  const window = Math.round(positive('window', args.window));
  const timeoutMs = Math.round(positive('timeout-ms', args['timeout-ms']));
  const encoders = args.encoders.split(',').map((s) => s.trim()).filter(Boolean);

  const started = new Date();
  const loadBefore = os.loadavg();
  console.log(`load average at start: ${loadBefore.map((x) => x.toFixed(2)).join(' ')} (${os.availableParallelism()} cores)`);
  const fx = await openFixture({ base: loadConfig(), tag: 'plugin', textEncoders: encoders, count, ...(args['heads-dir'] ? { headsDir: args['heads-dir'] } : {}) });
  let load: LoadRunner | undefined;
  let previous: { persistent: string | null; transient: string | null } | undefined;
  try {
    const plugins = await fx.es.cat.plugins({ format: 'json' });
    if (!plugins.some((p) => p.component === 'strata')) throw new Error('the strata plugin is not installed in the Elasticsearch at ' + fx.config.es.url);
    previous = await serviceUrlSetting(fx.es);
    if (previous.transient) throw new Error(`a transient ${SETTING} (${previous.transient}) is set and would override ours; not touching it`);
    if (previous.persistent) console.log(`note: ${SETTING} was ${previous.persistent}; it is restored at the end`);
    const url = fx.service.url;
    await fx.es.cluster.putSettings({ persistent: { [SETTING]: url } });
    console.log(`${SETTING} = ${url}`);

    const queries = benchQueries(fx.docs);
    const firstStage = (query: string, size: number) => ({
      size,
      query: { multi_match: { query, fields: ['title^3', 'brand^2', 'category.text^1.5', 'description'] } },
    });
    const rescored = (query: string) => ({
      ...firstStage(query, 10),
      rescore: { window_size: window, strata: { query, head: args.head, fields: ['title', 'description'], timeout_ms: timeoutMs, on_failure: 'keep_order' } },
    });
    const search = (body: object) => fx.es.search<unknown>({ index: fx.index, ...body }) as unknown as Promise<Hits>;

    // The rescored order must be the service's: rerank the same window through /v1/rerank and compare the top 10.
    console.log('checking rescored orders against /v1/rerank ...');
    const checks: Array<{ query: string; window: number; same: boolean; rescored: string[]; rerank: string[]; firstStage: string[] }> = [];
    for (const query of [queries[0]!, queries[7]!, queries[queries.length - 1]!]) {
      const windowIds = (await search(firstStage(query, window))).hits.hits.map((h) => h._id);
      const viaPlugin = (await search(rescored(query))).hits.hits.map((h) => h._id);
      const viaService = (await postJson<{ results: Array<{ id: string }> }>(`${url}/v1/rerank`, { query, index: fx.index, ids: windowIds, top_n: 10, head: args.head })).results.map((r) => r.id);
      const same = viaPlugin.length === viaService.length && viaPlugin.every((id, i) => id === viaService[i]);
      checks.push({ query, window: windowIds.length, same, rescored: viaPlugin, rerank: viaService, firstStage: windowIds.slice(0, 10) });
      console.log(`  "${query}" (window ${windowIds.length}): ${same ? 'same top 10 as /v1/rerank' : 'DIFFERENT from /v1/rerank'}${viaPlugin.join(',') === windowIds.slice(0, 10).join(',') ? ' (and unchanged from the first stage!)' : ''}`);
    }

    load = createLoadRunner();
    const slot = (variant: 'with' | 'without') => ({
      name: variant,
      path: `/${fx.index}/_search`,
      bodies: queries.map((q) => JSON.stringify(variant === 'with' ? rescored(q) : firstStage(q, 10))),
    });
    const block = async (seconds: number, order: Array<'with' | 'without'>) => {
      const before = await requestCount(url, '/v1/rerank');
      const timeBefore = await routeTime(url, '/v1/rerank');
      const result = await load!.run({ url: fx.config.es.url, connections: 1, durationS: seconds, bodies: 'cycle', slots: order.map(slot) });
      const after = await settledCount(url, timeoutMs + 500);
      const timeAfter = await routeTime(url, '/v1/rerank');
      const served = Object.fromEntries(Object.keys({ ...before, ...after }).map((s) => [s, (after[s] ?? 0) - (before[s] ?? 0)]));
      const serviceMeanMs = ((timeAfter.sum - timeBefore.sum) / Math.max(1, timeAfter.count - timeBefore.count)) * 1000;
      return { result, served, serviceMeanMs };
    };

    console.log(`warm-up: ${warmupS} s`);
    await block(warmupS, ['with', 'without']);

    type Stats = { p50: number; p99: number; n: number };
    const stats = (xs: number[]): Stats => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), n: xs.length });
    const perRun: Array<{ with: Stats; without: Stats; order: string[]; served: Record<string, number>; serviceMeanMs: number; rescoredOk: number; slowRescores: number; problems: string[] }> = [];
    const all = { with: [] as number[], without: [] as number[] };
    for (let run = 0; run < runs; run++) {
      const order: Array<'with' | 'without'> = run % 2 ? ['without', 'with'] : ['with', 'without'];
      const { result, served, serviceMeanMs } = await block(durationS, order);
      const w = result.slots.find((s) => s.name === 'with')!;
      const wo = result.slots.find((s) => s.name === 'without')!;
      all.with.push(...w.latenciesMs);
      all.without.push(...wo.latenciesMs);
      const problems: string[] = [];
      for (const s of result.slots) if (s.non2xx) problems.push(`${s.name}: ${s.non2xx} non-2xx (${s.failure})`);
      if (result.errors || result.timeouts) problems.push(`${result.errors} connection errors, ${result.timeouts} timeouts`);
      const ok200 = served['200'] ?? 0;
      const other = Object.entries(served).filter(([s, n]) => s !== '200' && n > 0);
      // A search cut off when the block ends may still reach the service: one more call than answers is fine.
      if (ok200 < w.ok || ok200 > w.ok + 1) problems.push(`${w.ok} rescored searches answered but the service served ${ok200} /v1/rerank calls`);
      if (other.length) problems.push(`the service answered /v1/rerank with ${JSON.stringify(Object.fromEntries(other))}`);
      // With keep_order a timed-out call still answers 200 in first-stage order: flag any search that long.
      const slowRescores = w.latenciesMs.filter((ms) => ms >= timeoutMs).length;
      if (slowRescores) problems.push(`${slowRescores} rescored searches took >= timeout_ms (${timeoutMs} ms): possibly cut off`);
      perRun.push({ with: stats(w.latenciesMs), without: stats(wo.latenciesMs), order, served, serviceMeanMs, rescoredOk: w.ok, slowRescores, problems });
      const r = perRun.at(-1)!;
      console.log(
        `run ${run + 1}/${runs} (${order.join(' / ')} alternating): with rescore p50 ${r.with.p50.toFixed(2)} p99 ${r.with.p99.toFixed(2)} ms (n ${r.with.n}); ` +
          `without p50 ${r.without.p50.toFixed(2)} p99 ${r.without.p99.toFixed(2)} ms (n ${r.without.n}); service /v1/rerank calls ${ok200} (mean ${serviceMeanMs.toFixed(2)} ms in the service)` +
          (problems.length ? `\n  PROBLEMS: ${problems.join('; ')}` : ''),
      );
    }

    const summary = {
      with: { p50: median(perRun.map((r) => r.with.p50)), p99: median(perRun.map((r) => r.with.p99)) },
      without: { p50: median(perRun.map((r) => r.without.p50)), p99: median(perRun.map((r) => r.without.p99)) },
      addedP50Ms: median(perRun.map((r) => r.with.p50 - r.without.p50)),
      addedP99Ms: median(perRun.map((r) => r.with.p99 - r.without.p99)),
      serviceMeanMs: median(perRun.map((r) => r.serviceMeanMs)),
      pooled: { with: stats(all.with), without: stats(all.without) },
    };
    const fmt = (x: number) => x.toFixed(2);
    const lines = [
      '',
      `## Rescorer latency (${count} demo products, window ${window}, ${encoders.join(' + ')}, c=1, alternating; median of ${runs} runs x ${durationS} s)`,
      '',
      '| search | p50 ms | p99 ms | requests |',
      '|---|---:|---:|---:|',
      `| multi_match, no rescore | ${fmt(summary.without.p50)} | ${fmt(summary.without.p99)} | ${summary.pooled.without.n} |`,
      `| multi_match + rescore.strata (window ${window}) | ${fmt(summary.with.p50)} | ${fmt(summary.with.p99)} | ${summary.pooled.with.n} |`,
      `| added by the rescorer (median of per-run differences) | ${fmt(summary.addedP50Ms)} | ${fmt(summary.addedP99Ms)} | |`,
      '',
      `Of the added time, the service's /v1/rerank handler takes ${fmt(summary.serviceMeanMs)} ms on average (its /metrics latency histogram); the rest is the plugin (window fields, HTTP call, re-sort) and Elasticsearch collecting the window of ${window} instead of 10.`,
      `Every rescored search reached the service: ${perRun.every((r) => !r.problems.some((p) => p.includes('served'))) ? 'yes' : 'NO'} (service /v1/rerank 200s per run: ${perRun.map((r) => `${r.served['200'] ?? 0} for ${r.rescoredOk} searches`).join(', ')}).`,
      `Rescored top 10 equals /v1/rerank over the same window: ${checks.filter((c) => c.same).length} of ${checks.length} queries checked.`,
    ];
    console.log(lines.join('\n'));
    const problems = perRun.flatMap((r, i) => r.problems.map((p) => `run ${i + 1}: ${p}`));
    const report = {
      date: started.toISOString(),
      command: `nice -n 10 npx tsx training/bench/plugin-rescore.ts --duration ${durationS} --runs ${runs} --count ${count}${args['heads-dir'] ? ` --heads-dir ${args['heads-dir']}` : ''}${args.head !== 'default' ? ` --head ${args.head}` : ''}`,
      catalog: { documents: count, generator: 'training/demo/make-catalog.ts (seed 42)' },
      encoders,
      window,
      timeoutMs,
      concurrency: 1,
      durationS,
      runs,
      queries,
      dsl: rescored(queries[0]!),
      summary,
      runsDetail: perRun,
      orderChecks: checks,
      loadAverage: { start: loadBefore, end: os.loadavg(), cores: os.availableParallelism() },
      problems,
      markdown: lines.join('\n'),
    };
    await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
    await writeFile(path.resolve(args.out), JSON.stringify(report, null, 2) + '\n');
    console.log(`\nreport: ${args.out}`);
    if (problems.length) throw new Error(`the benchmark found problems:\n  ${problems.join('\n  ')}`);
  } finally {
    await load?.close();
    if (previous) {
      await fx.es.cluster
        .putSettings({ persistent: { [SETTING]: previous.persistent } })
        .then(() => console.log(`${SETTING} reset to ${previous!.persistent ?? 'null'}`))
        .catch((err: unknown) => console.error(`warning: could not reset ${SETTING}: ${String(err)}`));
    }
    await fx.close();
    console.log('cleaned up: service stopped, index deleted');
  }
}

main().catch((err: unknown) => {
  console.error(`plugin-rescore: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exitCode = 1;
});
