/**
 * Query understanding, read defensively: when `/v1/search` answers with `understood.spans` (each recognised part
 * of the query, with its offsets and what it became), the page shows each as a chip; removing one takes that text
 * out of the query. Responses without the field, or spans of another shape, give no chips. Pure (unit-tested).
 */
export interface Span {
  start: number;
  end: number;
  text: string;
  /** What the span became, for the chip: e.g. `brand = Bosch`, `price ≤ 800`. */
  label: string;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const show = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));

/**
 * Spans with valid offsets into `query`, in query order.
 *
 * @example understoodSpans({ spans: [{ start: 0, end: 5, kind: 'brand', value: 'Bosch' }] }, 'bosch dishwasher')[0].label // 'brand: Bosch'
 */
export function understoodSpans(understood: unknown, query: string): Span[] {
  if (typeof understood !== 'object' || understood === null) return [];
  const spans = (understood as { spans?: unknown }).spans;
  if (!Array.isArray(spans)) return [];
  const out: Span[] = [];
  for (const s of spans as unknown[]) {
    if (typeof s !== 'object' || s === null) continue;
    const r = s as Record<string, unknown>;
    const offsets = Array.isArray(r.offsets) ? r.offsets : [];
    const start = num(r.start) ?? num(r.from) ?? num(offsets[0]);
    const end = num(r.end) ?? num(r.to) ?? num(offsets[1]);
    if (start === undefined || end === undefined || start < 0 || end <= start || end > query.length) continue;
    const kind = show(r.kind ?? r.type ?? r.field);
    const became = show(r.became ?? r.value ?? r.filter ?? r.boost);
    const text = query.slice(start, end);
    out.push({ start, end, text, label: [kind, became].filter(Boolean).join(': ') || text });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The query without one span, spaces tidied.
 *
 * @example removeSpan('quiet dishwasher not bosch', { start: 17, end: 26 }) // 'quiet dishwasher'
 */
export function removeSpan(query: string, span: { start: number; end: number }): string {
  return (query.slice(0, span.start) + ' ' + query.slice(span.end)).replace(/\s+/g, ' ').trim();
}
