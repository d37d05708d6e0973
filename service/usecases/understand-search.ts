/**
 * Query understanding inside a search, as a story: the index's vocabulary is taken from the cache; the query is
 * parsed (by the LLM parser when one is configured and answers in time, else by the built-in one); recognised
 * hard filters join the request's explicit filters, which win on any field they set; negations become
 * exclusions; soft spans become boosts for the reranker; the price span stays the budget of the price signal.
 * When the filtered search finds nothing, `relaxPlan` turns the understood filters into boosts and says so.
 */
import type { Filters } from '../retrieval/filters.ts';
import type { Budget } from '../query/budget.ts';
import { parseBudget } from '../query/budget.ts';
import { assembleUnderstanding } from '../query/assemble.ts';
import type { Boost, Span, Understanding } from '../query/schema.ts';
import type { VocabularyCache } from '../query/vocabulary-cache.ts';
import type { LlmParser } from '../query/llm-parser.ts';
import { understandQuery } from '../query/understand.ts';

export type SpanStatus = 'applied' | 'overridden' | 'relaxed';

export interface Understood {
  parser: 'builtin' | 'llm';
  text: string;
  spans: Array<Span & { status: SpanStatus }>;
  filters: Filters;
  negations: Filters;
  boosts: Boost[];
  fallback?: { reason: 'no_results' | 'llm_failed'; message: string; relaxed: number[] };
  tookMs: number;
}

export interface QueryPlan {
  /** The relevance text for retrieval, embeddings and the heads. */
  text: string;
  filters: Filters | undefined;
  exclude: Filters | undefined;
  boosts: Boost[];
  budget: Budget | null;
  understood: Understood;
}

export interface UnderstandDeps {
  vocabularies: VocabularyCache;
  llm?: LlmParser | undefined;
}

export interface PlanRequest {
  index: string;
  query: string;
  filters?: Filters | undefined;
  ignore?: ReadonlyArray<{ start: number; end: number }>;
  parser?: 'auto' | 'builtin' | 'llm';
  signal?: AbortSignal;
  now?: Date;
}

const isEmpty = (f: Filters | undefined) => !f || Object.keys(f).length === 0;

/** Whether explicit filters already set a field (`brand`, `attributes.color`, ...). */
function setExplicitly(explicit: Filters | undefined, field: string): boolean {
  if (!explicit) return false;
  if (field.startsWith('attributes.')) return explicit.attributes?.[field.slice('attributes.'.length)] !== undefined;
  return (explicit as Record<string, unknown>)[field] !== undefined;
}

/** Explicit filters plus understood ones on fields the explicit ones leave free. */
function mergeFilters(explicit: Filters | undefined, understood: Filters): Filters | undefined {
  const out: Record<string, unknown> = { ...(explicit ?? {}) };
  for (const [k, v] of Object.entries(understood)) {
    if (k === 'attributes') out['attributes'] = { ...(v as Record<string, unknown>), ...(explicit?.attributes ?? {}) };
    else if (out[k] === undefined) out[k] = v;
  }
  return isEmpty(out as Filters) ? undefined : (out as Filters);
}

function budgetOf(query: string, spans: readonly Span[]): Budget | null {
  const prices = spans.filter((s) => s.kind === 'price');
  return prices.length ? parseBudget(prices.map((s) => query.slice(s.start, s.end)).join(' ')) : null;
}

function planFrom(query: string, understanding: Understanding, explicit: Filters | undefined, parser: Understood['parser'], tookMs: number, fallback?: Understood['fallback']): QueryPlan {
  const spans = understanding.spans.map((s) => ({ ...s, status: (setExplicitly(explicit, s.field) ? 'overridden' : 'applied') as SpanStatus }));
  // Overridden spans take no part: the explicit filter says what the user wants on that field.
  const live = assembleUnderstanding(query, spans.map((s) => (s.status === 'overridden' ? { ...s, effect: 'boost' as const, confidence: 0 } : s)));
  const boosts = live.boosts.filter((b) => spans[b.span]!.status === 'applied');
  const text = understanding.text.trim();
  return {
    text,
    filters: mergeFilters(explicit, live.filters),
    exclude: isEmpty(live.negations) ? undefined : live.negations,
    boosts,
    budget: budgetOf(query, spans.filter((s) => s.status === 'applied')),
    understood: { parser, text, spans, filters: live.filters, negations: live.negations, boosts, ...(fallback ? { fallback } : {}), tookMs },
  };
}

/**
 * Understands a search query into a plan.
 *
 * @example const plan = await planSearch(deps, { index: 'products', query: 'bosch dishwasher under $600' });
 */
export async function planSearch(deps: UnderstandDeps, request: PlanRequest): Promise<QueryPlan> {
  const t0 = performance.now();
  const vocabulary = await deps.vocabularies.get(request.index, request.signal);
  const wantLlm = request.parser === 'llm' || (request.parser !== 'builtin' && !!deps.llm);
  let llmError: string | undefined;
  if (wantLlm && deps.llm) {
    try {
      const u = await deps.llm.parse(request.query, vocabulary, { index: request.index, ...(request.signal ? { signal: request.signal } : {}), ...(request.now ? { now: request.now } : {}) });
      const kept = request.ignore?.length ? assembleUnderstanding(request.query, u.spans.filter((s) => !request.ignore!.some((r) => s.start < r.end && s.end > r.start))) : u;
      return planFrom(request.query, kept, request.filters, 'llm', performance.now() - t0);
    } catch (err) {
      if (request.signal?.aborted) throw err;
      llmError = err instanceof Error ? err.message : String(err);
    }
  } else if (wantLlm) {
    llmError = 'no LLM parser is configured (STRATA_LLM_URL)';
  }
  const u = understandQuery(request.query, vocabulary, request.ignore ? { ignore: request.ignore } : {});
  const fallback = llmError ? { reason: 'llm_failed' as const, message: `the built-in parser answered: ${llmError}`, relaxed: [] } : undefined;
  return planFrom(request.query, u, request.filters, 'builtin', performance.now() - t0, fallback);
}

/** Whether the plan adds any hard filter or exclusion of its own (a fallback could then help). */
export function planFilters(plan: QueryPlan): number {
  return plan.understood.spans.filter((s) => s.status === 'applied' && s.effect === 'filter').length;
}

/**
 * The plan for the empty-result fallback: explicit filters only; every understood filter and exclusion becomes a
 * boost (status `relaxed`), so the closest products still come first.
 *
 * @example if (candidates.length === 0) plan = relaxPlan(plan, req.filters);
 */
export function relaxPlan(plan: QueryPlan, explicit: Filters | undefined): QueryPlan {
  const relaxed: number[] = [];
  const spans = plan.understood.spans.map((s, i) => {
    if (s.status !== 'applied' || s.effect !== 'filter') return s;
    relaxed.push(i);
    return { ...s, status: 'relaxed' as SpanStatus };
  });
  const boosts: Boost[] = spans.flatMap((s, i) =>
    s.status === 'overridden' || (s.status === 'applied' && s.effect === 'filter')
      ? []
      : [{ field: s.field, ...(s.value !== undefined ? { value: s.value } : {}), ...(s.range ? { range: s.range } : {}), negated: s.negated, weight: s.confidence, span: i }],
  );
  const earlier = plan.understood.fallback ? ` (also: ${plan.understood.fallback.message})` : '';
  const message = `no product matched the understood filters (${relaxed.map((i) => `"${spans[i]!.text}"`).join(', ')}); they were relaxed to preferences${earlier}`;
  return {
    ...plan,
    filters: isEmpty(explicit) ? undefined : explicit,
    exclude: undefined,
    boosts,
    understood: { ...plan.understood, spans, filters: {}, negations: {}, boosts, fallback: { reason: 'no_results', message, relaxed } },
  };
}
