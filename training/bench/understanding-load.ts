/**
 * What query understanding adds to a search (issue 13), for the service-load benchmark: `/v1/search` with
 * `understand` on and off, request by request on one connection (the load runner alternates its slots), over
 * the same cycled queries with the vocabulary cached and the embedding cache warm. Per run the p50 of each and
 * their difference; the medians over runs; and the parser's own time from the responses' `took.understandMs`.
 */
import type { LoadRunner } from './load-runner.ts';
import { median, percentile } from './summarise-timings.ts';

export interface UnderstandingCost {
  runs: Array<{ onP50: number; offP50: number; addedP50: number; understandMsP50: number; ok: number; non2xx: number }>;
  onP50: number;
  offP50: number;
  /** Median over runs of (p50 with understanding - p50 without). */
  addedP50: number;
  /** Median over runs of the parse time the service reports. */
  understandMsP50: number;
}

/**
 * Measures understanding on against off, interleaved.
 *
 * @example const cost = await measureUnderstandingCost(load, url, queries, { durationS: 8, runs: 3, head: 'default' });
 */
export async function measureUnderstandingCost(
  load: LoadRunner,
  url: string,
  queries: readonly string[],
  { durationS, runs, head }: { durationS: number; runs: number; head: string },
): Promise<UnderstandingCost> {
  const body = (query: string, understand: boolean) => JSON.stringify({ query, top_k: 10, rerank: { head }, understand });
  const out: UnderstandingCost['runs'] = [];
  for (let run = 0; run < runs; run++) {
    // Alternate which slot leads, so neither always follows the other.
    const slots = [
      { name: 'on', path: '/v1/search', bodies: queries.map((q) => body(q, true)) },
      { name: 'off', path: '/v1/search', bodies: queries.map((q) => body(q, false)) },
    ];
    if (run % 2) slots.reverse();
    const r = await load.run({ url, connections: 1, durationS, bodies: 'cycle', tookPath: 'took', slots });
    const on = r.slots.find((s) => s.name === 'on')!;
    const off = r.slots.find((s) => s.name === 'off')!;
    const onP50 = percentile(on.latenciesMs, 50);
    const offP50 = percentile(off.latenciesMs, 50);
    out.push({
      onP50,
      offP50,
      addedP50: onP50 - offP50,
      understandMsP50: percentile(on.tooks.map((t) => t['understandMs'] ?? 0), 50),
      ok: on.ok + off.ok,
      non2xx: on.non2xx + off.non2xx,
    });
  }
  return {
    runs: out,
    onP50: median(out.map((r) => r.onP50)),
    offP50: median(out.map((r) => r.offP50)),
    addedP50: median(out.map((r) => r.addedP50)),
    understandMsP50: median(out.map((r) => r.understandMsP50)),
  };
}
