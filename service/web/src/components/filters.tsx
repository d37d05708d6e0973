/**
 * Filters as form controls built from the index's own values (`/v1/indices/:name/facets`): brands as checkboxes,
 * the category tree as a select, price / rating / release-date bounds, and each attribute by its type.
 */
import type { Facets } from '../types.ts';
import type { AttrFilter, FilterForm } from '../request.ts';
import { EMPTY_FILTERS } from '../request.ts';

type Attr = Facets['attributes'][number];

const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

function AttributeControl({ attr, value, onChange }: { attr: Attr; value: AttrFilter | undefined; onChange: (v: AttrFilter) => void }) {
  const id = `attr-${attr.name}`;
  if (attr.type === 'number') {
    const v = value?.kind === 'range' ? value : { kind: 'range' as const, min: '', max: '' };
    return (
      <fieldset class="range">
        <legend>{attr.name}</legend>
        <label for={`${id}-min`}>min</label>
        <input id={`${id}-min`} type="number" step="any" placeholder={attr.range ? num(attr.range.min) : ''} value={v.min} onInput={(e) => onChange({ ...v, min: e.currentTarget.value })} />
        <label for={`${id}-max`}>max</label>
        <input id={`${id}-max`} type="number" step="any" placeholder={attr.range ? num(attr.range.max) : ''} value={v.max} onInput={(e) => onChange({ ...v, max: e.currentTarget.value })} />
      </fieldset>
    );
  }
  if (attr.type === 'boolean') {
    const v = value?.kind === 'bool' ? value.value : '';
    return (
      <p>
        <label for={id}>{attr.name}</label>
        <select id={id} value={v} onChange={(e) => onChange({ kind: 'bool', value: e.currentTarget.value as '' | 'true' | 'false' })}>
          <option value="">any</option>
          <option value="true">yes</option>
          <option value="false">no</option>
        </select>
      </p>
    );
  }
  const v = value?.kind === 'value' ? value.value : '';
  if (attr.more) {
    // Too many values for a select (model codes, sizes): free text with the frequent ones suggested.
    return (
      <p>
        <label for={id}>{attr.name}</label>
        <input id={id} list={`${id}-values`} value={v} onChange={(e) => onChange({ kind: 'value', value: e.currentTarget.value })} />
        <datalist id={`${id}-values`}>
          {(attr.values ?? []).map((o) => (
            <option value={o.value} />
          ))}
        </datalist>
      </p>
    );
  }
  return (
    <p>
      <label for={id}>{attr.name}</label>
      <select id={id} value={v} onChange={(e) => onChange({ kind: 'value', value: e.currentTarget.value })}>
        <option value="">any</option>
        {(attr.values ?? []).map((o) => (
          <option value={o.value}>{`${o.value} (${o.count})`}</option>
        ))}
      </select>
    </p>
  );
}

export function Filters({ facets, value, onChange }: { facets: Facets; value: FilterForm; onChange: (f: FilterForm) => void }) {
  const set = (patch: Partial<FilterForm>) => onChange({ ...value, ...patch });
  const toggleBrand = (b: string, on: boolean) => set({ brands: on ? [...value.brands, b] : value.brands.filter((x) => x !== b) });
  return (
    <form class="filters" aria-label="filters" onSubmit={(e) => e.preventDefault()}>
      <h2>Filters</h2>
      <button type="button" onClick={() => onChange(EMPTY_FILTERS)}>
        Clear filters
      </button>
      {facets.brands.length ? (
        <fieldset class="brands">
          <legend>Brand</legend>
          {facets.brands.map((b, i) => (
            <p>
              <input id={`brand-${i}`} type="checkbox" checked={value.brands.includes(b.value)} onChange={(e) => toggleBrand(b.value, e.currentTarget.checked)} />
              <label for={`brand-${i}`}>{`${b.value} (${b.count})`}</label>
            </p>
          ))}
        </fieldset>
      ) : null}
      {facets.categories.length ? (
        <p>
          <label for="category">Category</label>
          <select id="category" value={value.category} onChange={(e) => set({ category: e.currentTarget.value })}>
            <option value="">any</option>
            {facets.categories.map((c) => (
              <option value={c.value}>{`${'\u00a0\u00a0'.repeat(c.value.split('/').length - 1)}${c.value.split('/').pop()} (${c.count})`}</option>
            ))}
          </select>
        </p>
      ) : null}
      {facets.price ? (
        <fieldset class="range">
          <legend>Price</legend>
          <label for="price-min">min</label>
          <input id="price-min" type="number" step="any" min={0} placeholder={num(facets.price.min)} value={value.priceMin} onInput={(e) => set({ priceMin: e.currentTarget.value })} />
          <label for="price-max">max</label>
          <input id="price-max" type="number" step="any" min={0} placeholder={num(facets.price.max)} value={value.priceMax} onInput={(e) => set({ priceMax: e.currentTarget.value })} />
        </fieldset>
      ) : null}
      {facets.rating ? (
        <p>
          <label for="rating-min">Rating at least</label>
          <select id="rating-min" value={value.ratingMin} onChange={(e) => set({ ratingMin: e.currentTarget.value })}>
            <option value="">any</option>
            {['1', '2', '3', '3.5', '4', '4.5'].map((r) => (
              <option value={r}>{`${r} ★`}</option>
            ))}
          </select>
        </p>
      ) : null}
      {facets.release_date ? (
        <fieldset class="range">
          <legend>Released</legend>
          <label for="released-from">from</label>
          <input id="released-from" type="date" min={facets.release_date.min} max={facets.release_date.max} value={value.releasedFrom} onChange={(e) => set({ releasedFrom: e.currentTarget.value })} />
          <label for="released-to">to</label>
          <input id="released-to" type="date" min={facets.release_date.min} max={facets.release_date.max} value={value.releasedTo} onChange={(e) => set({ releasedTo: e.currentTarget.value })} />
        </fieldset>
      ) : null}
      {facets.attributes.length ? (
        <details class="attributes" open={Object.keys(value.attributes).length > 0}>
          <summary>{`Attributes (${facets.attributes.length})`}</summary>
          {facets.attributes.map((a) => (
            <AttributeControl attr={a} value={value.attributes[a.name]} onChange={(v) => set({ attributes: { ...value.attributes, [a.name]: v } })} />
          ))}
        </details>
      ) : null}
    </form>
  );
}
