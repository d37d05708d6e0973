/**
 * Query understanding, read defensively: when `/v1/search` answers with `understood.spans` (each recognised part
 * of the query, with its offsets, the field it constrains, a value or a range, whether it is negated, and whether
 * it became a hard filter or a soft boost), the page shows each as a chip. Removing a chip asks the API to leave
 * that span out (`understand.ignore`): its words stay in the query as plain text. Responses without the field, or
 * spans of another shape, give no chips. Pure (unit-tested).
 */
export interface Span {
  start: number;
  end: number;
  text: string;
  /** What the span became, for the chip: e.g. `brand = Bosch`, `price ≤ 800`, `not brand = Bosch (boost)`. */
  label: string;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : undefined);
const show = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : Array.isArray(v) ? v.map(show).join(' or ') : JSON.stringify(v));
const OPS: Record<string, string> = { gte: '≥', gt: '>', lte: '≤', lt: '<' };

/** `price ≤ 800`, `rating ≥ 4`, `release_date ≥ now-1y/y` for a range object; undefined for anything else. */
function rangeLabel(field: string, range: unknown): string | undefined {
  if (typeof range !== 'object' || range === null || Array.isArray(range)) return undefined;
  const parts = Object.entries(range as Record<string, unknown>)
    .filter(([op, v]) => op in OPS && v !== undefined)
    .map(([op, v]) => `${field} ${OPS[op]} ${show(v)}`);
  return parts.length ? parts.join(', ') : undefined;
}

/** The chip text for one span of the service's shape (`field` + `value` or `range`, `negated`, `effect`, `status`). */
function labelOf(r: Record<string, unknown>): string {
  const field = show(r.field ?? r.kind ?? r.type);
  const what = rangeLabel(field, r.range) ?? rangeLabel(field, r.value) ?? (r.value !== undefined ? `${field} = ${show(r.value)}` : show(r.became ?? r.filter ?? r.boost) || field);
  const notes = [r.effect === 'boost' ? 'boost' : '', r.status === 'relaxed' ? 'relaxed: nothing matched' : '', r.status === 'overridden' ? 'overridden by a filter' : ''].filter(Boolean);
  return `${r.negated === true ? 'not ' : ''}${what}${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

/**
 * Spans with valid offsets into `query`, in query order.
 *
 * @example understoodSpans({ spans: [{ start: 0, end: 5, field: 'brand', value: 'Bosch', effect: 'filter' }] }, 'bosch dishwasher')[0].label // 'brand = Bosch'
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
    out.push({ start, end, text: query.slice(start, end), label: labelOf(r) });
  }
  return out.sort((a, b) => a.start - b.start);
}

/**
 * The spans to leave out for `query` after one more chip is removed (offsets only hold for the query they were
 * read from: a different query starts with none).
 *
 * @example ignoreSpan({ query: 'a', spans: [] }, 'quiet dishwasher not bosch', { start: 17, end: 26 }) // { query: 'quiet…', spans: [{ start: 17, end: 26 }] }
 */
export function ignoreSpan(
  current: { query: string; spans: Array<{ start: number; end: number }> } | undefined,
  query: string,
  span: { start: number; end: number },
): { query: string; spans: Array<{ start: number; end: number }> } {
  const kept = current?.query === query ? current.spans : [];
  return { query, spans: [...kept.filter((s) => s.start !== span.start || s.end !== span.end), { start: span.start, end: span.end }] };
}
