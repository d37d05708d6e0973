/**
 * The optional LLM query parser: any OpenAI-compatible chat-completions endpoint is asked for the same JSON
 * the built-in parser produces, given the query and a summary of the index's vocabulary. The answer is
 * validated with the same zod schema, spans must quote the query at their offsets, fields must exist in the
 * index, and filters are rebuilt from the spans by the shared assembler. Anything wrong (an HTTP error, a
 * timeout, invalid JSON, a schema violation) throws; the caller falls back to the built-in parser.
 */
import { LRUCache } from 'lru-cache';
import { assembleUnderstanding } from './assemble.ts';
import { UnderstandingSchema, type Span, type Understanding } from './schema.ts';
import type { Vocabulary } from './vocabulary.ts';
import { HARD_CONFIDENCE } from './understand.ts';

export interface LlmConfig {
  /** Base URL of the API, e.g. `http://127.0.0.1:8000/v1` (`/chat/completions` is appended). */
  url: string;
  model: string;
  apiKey?: string | undefined;
  timeoutMs: number;
}

export interface LlmParser {
  parse(query: string, vocabulary: Vocabulary, options?: { index?: string; signal?: AbortSignal; now?: Date }): Promise<Understanding>;
}

const INSTRUCTIONS = `You turn a shopping search query into structured filters for a product catalog.
Answer with one JSON object only: {"text": string, "filters": {}, "negations": {}, "boosts": [], "spans": [...]}.
Each span: {"start": int, "end": int, "text": the exact query characters query.slice(start, end), "kind": one of brand|category|attribute|colour|number|price|rating|date,
"field": brand|category|price|rating|release_date|attributes.<name>, "value": a value or list of values (brand, category path, attribute value)
OR "range": {"gte"|"gt"|"lte"|"lt": number or date math like "now-30d/d"}, "negated": true for "not X"/"without X",
"effect": "filter" when sure, "boost" when ambiguous, "confidence": 0..1}.
Use only brands, category paths, attribute names and values from the vocabulary given. Leave "filters", "negations" and "boosts" empty: they are derived from the spans.`;

/** A compact description of the vocabulary for the prompt (bounded, so a large catalog does not blow the context). */
export function describeVocabulary(v: Vocabulary): Record<string, unknown> {
  const brands = new Set<string>();
  const categories = new Set<string>();
  const attributes: Record<string, unknown> = {};
  for (const entries of v.terms.values()) {
    for (const e of entries) {
      if (e.match !== 'exact') continue;
      if (e.kind === 'brand') (Array.isArray(e.value) ? e.value : [e.value]).forEach((b) => brands.size < 300 && brands.add(String(b)));
      else if (e.kind === 'category') (Array.isArray(e.value) ? e.value : [e.value]).forEach((c) => categories.size < 300 && categories.add(String(c)));
      else {
        const list = (attributes[e.field] ??= []) as unknown[];
        if (Array.isArray(list) && list.length < 40 && !list.includes(e.value)) list.push(e.value);
      }
    }
  }
  for (const n of v.numeric) attributes[n.field] = { min: n.min, max: n.max, ...(n.unit ? { unit: n.unit } : {}) };
  return { brands: [...brands], categories: [...categories], attributes, fields: { price: v.fields.price > 0, rating: v.fields.rating > 0, release_date: v.fields.release_date > 0 } };
}

/** Spans whose text matches the query at their offsets (or, once, elsewhere in it) and whose field exists. */
function groundSpans(query: string, spans: readonly Span[], vocabulary: Vocabulary): Span[] {
  const out: Span[] = [];
  for (const s of spans) {
    let { start, end } = s;
    if (query.slice(start, end) !== s.text) {
      const at = query.indexOf(s.text);
      if (at < 0) continue;
      start = at;
      end = at + s.text.length;
    }
    if (s.field.startsWith('attributes.') && !vocabulary.attributeFields.has(s.field)) continue;
    if (out.some((o) => start < o.end && end > o.start)) continue;
    const effect = s.effect === 'filter' && s.confidence >= HARD_CONFIDENCE ? 'filter' : 'boost';
    out.push({ ...s, start, end, text: query.slice(start, end), effect, match: 'llm' });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * An LLM parser for one endpoint, with a small cache of answers per index and query.
 *
 * @example const llm = createLlmParser({ url: 'http://127.0.0.1:8000/v1', model: 'qwen2.5', timeoutMs: 2000 });
 */
export function createLlmParser(config: LlmConfig, { fetchImpl = fetch, cacheSize = 1000 }: { fetchImpl?: typeof fetch; cacheSize?: number } = {}): LlmParser {
  const cache = new LRUCache<string, Understanding>({ max: cacheSize });
  const endpoint = `${config.url.replace(/\/+$/, '')}/chat/completions`;
  return {
    async parse(query, vocabulary, { index = '', signal, now = new Date() } = {}) {
      const key = `${index}\u0000${query}`;
      const hit = cache.get(key);
      if (hit) return structuredClone(hit);
      const timeout = AbortSignal.timeout(config.timeoutMs);
      const res = await fetchImpl(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {}) },
        body: JSON.stringify({
          model: config.model,
          temperature: 0,
          response_format: { type: 'json_object' },
          messages: [
            { role: 'system', content: INSTRUCTIONS },
            { role: 'user', content: JSON.stringify({ query, today: now.toISOString().slice(0, 10), vocabulary: describeVocabulary(vocabulary) }) },
          ],
        }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      if (!res.ok) throw new Error(`the LLM endpoint answered ${res.status}`);
      const body = (await res.json()) as { choices?: Array<{ message?: { content?: unknown } }> };
      const content = body.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new Error('the LLM answer has no message content');
      const json = JSON.parse(content.replace(/^\s*```(?:json)?\s*|\s*```\s*$/g, '')) as unknown;
      const parsed = UnderstandingSchema.safeParse(json);
      if (!parsed.success) throw new Error(`the LLM answer does not fit the schema: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      const understanding = assembleUnderstanding(query, groundSpans(query, parsed.data.spans, vocabulary));
      cache.set(key, understanding);
      return structuredClone(understanding);
    },
  };
}
