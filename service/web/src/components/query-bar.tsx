/** The query, the index and the head: shared by every search view; submitting runs the search. */
import type { IndexSummary } from '../types.ts';
import type { SearchForm } from '../request.ts';

export interface QueryBarProps {
  form: SearchForm;
  indices: IndexSummary[];
  heads: string[];
  onChange: (form: SearchForm) => void;
  onSubmit: (form: SearchForm) => void;
}

export function QueryBar({ form, indices, heads, onChange, onSubmit }: QueryBarProps) {
  const names = indices.map((i) => i.name);
  const indexOptions = names.includes(form.index) || !form.index ? names : [form.index, ...names];
  const headOptions = heads.includes(form.head) ? heads : [form.head, ...heads];
  return (
    <form
      class="query-bar"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(form);
      }}
    >
      <label for="q" class="visually-hidden">
        Query
      </label>
      <input id="q" type="search" name="q" placeholder="quiet dishwasher under $800" value={form.query} onInput={(e) => onChange({ ...form, query: e.currentTarget.value })} />
      <label for="index-picker">Index</label>
      <select id="index-picker" value={form.index} onChange={(e) => onChange({ ...form, index: e.currentTarget.value, filters: { ...form.filters, attributes: {}, brands: [], category: '' } })}>
        {indexOptions.map((n) => {
          const info = indices.find((i) => i.name === n);
          return <option value={n}>{info ? `${n} (${info.documents}${info.image_encoder ? ', photos' : ''})` : n}</option>;
        })}
      </select>
      <label for="head-picker">Head</label>
      <select id="head-picker" value={form.head} onChange={(e) => onChange({ ...form, head: e.currentTarget.value })}>
        {headOptions.map((h) => (
          <option value={h}>{h}</option>
        ))}
      </select>
      <label for="top-k">Results</label>
      <input id="top-k" type="number" min={1} max={100} value={form.topK} onInput={(e) => onChange({ ...form, topK: Math.max(1, Math.min(100, Number(e.currentTarget.value) || 10)) })} />
      <button type="submit">
        Search
      </button>
    </form>
  );
}
