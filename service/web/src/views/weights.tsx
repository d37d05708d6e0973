/**
 * Weights live: a slider per reranker weight (and the head); results re-rank as they move, through the API's
 * per-request `rerank.weights`, with each product's move against the default weights. The request can be copied
 * as curl and as the Elasticsearch `rescore.strata` DSL.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { useApi } from '../hooks.ts';
import { consoleRequest, curlCommand, searchBody } from '../request.ts';
import type { DslResponse, SearchResponse } from '../types.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { fmt } from '../plots/scale.ts';
import { signalColor } from '../plots/colors.ts';
import { HitBars } from './hit-bars.tsx';
import { ResultSummary } from './search.tsx';
import type { Shared } from './shared.ts';

/** How long the sliders rest before a request goes out (moving one fires input events every few ms). */
const SETTLE_MS = 120;

function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [JSON.stringify(value)]);
  return settled;
}

// Relevance (default 1) goes to 2; the metadata weights (defaults 0.02-0.5) up to 1, level with relevance.
const maxOf = (def: number) => Math.max(1, Math.ceil(def * 2));

export function WeightsView(props: Shared) {
  const { active, draft, apiKey, boot, weights, setWeights, heads, update } = props;
  const settled = useSettled(weights, SETTLE_MS);
  const baselineBody = active ? searchBody(active, {}) : null;
  const tunedBody = active ? searchBody(active, { weights: settled }) : null;
  const baseline = useApi<SearchResponse>(baselineBody ? '/v1/search' : null, baselineBody ?? undefined, apiKey, { cache: true });
  const tuned = useApi<SearchResponse>(tunedBody ? '/v1/search' : null, tunedBody ?? undefined, apiKey, { cache: true });
  const [copied, setCopied] = useState<{ what: string; text: string; notes: string[] } | null>(null);
  const [copyError, setCopyError] = useState<unknown>(null);
  const base = new Map((baseline.data?.hits ?? []).map((h, i) => [h.id, i]));
  const moves = new Map((tuned.data?.hits ?? []).map((h, i) => [h.id, base.has(h.id) ? base.get(h.id)! - i : null]));
  const pending = JSON.stringify(settled) !== JSON.stringify(weights) || tuned.busy;

  const copy = async (what: 'curl' | 'dsl') => {
    if (!tunedBody) return;
    setCopyError(null);
    try {
      let text: string;
      let notes: string[] = [];
      if (what === 'curl') text = curlCommand(location.origin, tunedBody, !!apiKey);
      else {
        const dsl = await api<DslResponse>('/v1/search/dsl', { method: 'POST', body: tunedBody, key: apiKey });
        text = consoleRequest(dsl.method, dsl.path, dsl.body);
        notes = dsl.notes;
      }
      setCopied({ what, text, notes });
      await navigator.clipboard?.writeText(text).catch(() => undefined);
    } catch (err) {
      setCopyError(err);
    }
  };

  return (
    <div class="weights-view">
      <aside class="sidebar">
        <form class="sliders" aria-label="reranker weights" onSubmit={(e) => e.preventDefault()}>
          <h2>Weights</h2>
          <p>
            <label for="weights-head">Head</label>
            <select id="weights-head" value={draft.head} onChange={(e) => update({ ...draft, head: e.currentTarget.value }, false)}>
              {(heads.includes(draft.head) ? heads : [draft.head, ...heads]).map((h) => (
                <option value={h}>{h}</option>
              ))}
            </select>
          </p>
          {boot.signals.map((s) => {
            const def = boot.weights[s] ?? 0;
            const v = weights[s] ?? def;
            return (
              <p class="slider">
                <label for={`w-${s}`}>
                  <span class="swatch" style={{ background: signalColor(s) }} aria-hidden="true" />
                  {s}
                </label>
                <input
                  id={`w-${s}`}
                  type="range"
                  min={0}
                  max={maxOf(def)}
                  step={0.01}
                  value={v}
                  aria-valuetext={`${fmt(v, 2)} (default ${fmt(def, 2)})`}
                  onInput={(e) => setWeights({ ...weights, [s]: Number(e.currentTarget.value) })}
                />
                <output for={`w-${s}`} data-signal={s}>
                  {fmt(v, 2)}
                </output>
              </p>
            );
          })}
          <button type="button" onClick={() => setWeights(boot.weights)}>
            Reset to the defaults
          </button>
        </form>
        <div class="copy">
          <h2>Copy the request</h2>
          <button type="button" onClick={() => void copy('curl')} disabled={!tunedBody}>
            Copy as curl
          </button>
          <button type="button" onClick={() => void copy('dsl')} disabled={!tunedBody}>
            Copy as rescore.strata DSL
          </button>
          <ErrorBox error={copyError} />
          {copied ? (
            <>
              <label for="copy-output">{copied.what === 'curl' ? 'curl (copied)' : 'Elasticsearch query DSL (copied)'}</label>
              <textarea id="copy-output" readOnly rows={12} value={copied.text} data-what={copied.what} />
              {copied.notes.map((n) => (
                <p class="note">Note: {n}</p>
              ))}
            </>
          ) : null}
        </div>
      </aside>
      <section class="results" aria-label="reranked results">
        {!active ? <p class="hint">Run a search first (type a query above and press Enter).</p> : null}
        <ErrorBox error={tuned.error} />
        <ErrorBox error={baseline.error} context="default weights" />
        <ResultSummary data={tuned.data} busy={pending} tuned={true} />
        {tuned.data ? (
          <HitBars
            hits={tuned.data.hits}
            signals={boot.signals}
            weights={settled}
            moves={moves}
            testId="weights-order"
            extra={{ 'data-weights': JSON.stringify(settled), 'data-pending': String(pending) }}
          />
        ) : null}
      </section>
    </div>
  );
}
