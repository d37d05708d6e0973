/**
 * Numbers with units, read out of text ("55-inch", "2 TB", "42 dB", "1.5 l") and out of attributes whose key ends in
 * a unit (`capacity_l: 500`), converted to one base unit per dimension so "2 tb" meets "2000 GB". Deliberately a
 * small lexical reader for reranking features; the query-understanding module parses ranges and filters.
 */

export interface Quantity {
  dimension: string;
  /** The value in the dimension's base unit. */
  value: number;
}

/** unit (lower case) -> [dimension, factor to the base unit]. */
const UNITS: Record<string, [string, number]> = {
  kb: ['data', 1e-6],
  mb: ['data', 1e-3],
  gb: ['data', 1],
  tb: ['data', 1e3],
  mm: ['length', 1e-3],
  cm: ['length', 1e-2],
  m: ['length', 1],
  km: ['length', 1e3],
  in: ['length', 0.0254],
  inch: ['length', 0.0254],
  inches: ['length', 0.0254],
  '"': ['length', 0.0254],
  ft: ['length', 0.3048],
  mg: ['mass', 1e-6],
  g: ['mass', 1e-3],
  kg: ['mass', 1],
  lb: ['mass', 0.45359],
  lbs: ['mass', 0.45359],
  oz: ['mass', 0.02835],
  ml: ['volume', 1e-3],
  cl: ['volume', 1e-2],
  l: ['volume', 1],
  litre: ['volume', 1],
  liter: ['volume', 1],
  litres: ['volume', 1],
  liters: ['volume', 1],
  w: ['power', 1],
  kw: ['power', 1e3],
  db: ['sound', 1],
  mah: ['charge', 1],
  hz: ['frequency', 1],
  khz: ['frequency', 1e3],
  mhz: ['frequency', 1e6],
  ghz: ['frequency', 1e9],
  v: ['voltage', 1],
  mp: ['pixels', 1],
  rpm: ['speed', 1],
};

// Longest units first so "mah" is not read as "m". "in" counts directly after the number ("55in", 55") or before
// punctuation or the end ("6.1 in,"), as "2 in 1" is not a size.
const UNIT_PATTERN = Object.keys(UNITS)
  .filter((u) => u !== 'in' && u !== '"')
  .sort((a, b) => b.length - a.length)
  .join('|');
const QUANTITY = new RegExp(
  `(\\d+(?:[.,]\\d+)?)(?:(?:\\s*-\\s*|\\s*)(${UNIT_PATTERN})(?![\\p{L}\\p{N}])|-?(in|")(?![\\p{L}\\p{N}])|\\s+(in)(?=\\s*(?:$|[,.;:)\\]/])))`,
  'giu',
);

function quantity(number: string, unit: string): Quantity | null {
  const spec = UNITS[unit.toLowerCase()];
  // "1,5" is a decimal comma when at most two digits follow, else a thousands separator ("10,000 mAh").
  const value = Number(/,\d{1,2}$/.test(number) ? number.replace(',', '.') : number.replace(/,/g, ''));
  return spec && Number.isFinite(value) ? { dimension: spec[0], value: value * spec[1] } : null;
}

/**
 * The quantities in a text.
 *
 * @example quantitiesIn('Samsung 55-inch TV, 2 TB, 10,000 mAh') // length 1.397, data 2000, charge 10000
 */
export function quantitiesIn(text: string): Quantity[] {
  const out: Quantity[] = [];
  for (const m of text.matchAll(QUANTITY)) {
    const q = quantity(m[1]!, m[2] ?? m[3] ?? m[4]!);
    if (q) out.push(q);
  }
  return out;
}

/**
 * Quantities stated by attributes: text values are read like text; a number under a key ending in a unit
 * (`noise_db`, `capacity_l`) takes that unit.
 *
 * @example quantitiesOfAttributes({ capacity_l: 500, screen: '6.1 in' }) // volume 500, length 0.155
 */
export function quantitiesOfAttributes(attributes: Record<string, string | number | boolean> | undefined): Quantity[] {
  const out: Quantity[] = [];
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (typeof value === 'string') out.push(...quantitiesIn(value));
    else if (typeof value === 'number') {
      const unit = key.toLowerCase().split(/[_\s-]+/).at(-1) ?? '';
      const q = UNITS[unit] ? quantity(String(value), unit) : null;
      if (q) out.push(q);
    }
  }
  return out;
}

/** Two values of one dimension are the same quantity within 1 % (rounding in titles: "6.1 in" vs 155 mm). */
export function sameQuantity(a: Quantity, b: Quantity): boolean {
  return a.dimension === b.dimension && Math.abs(a.value - b.value) <= 0.01 * Math.max(Math.abs(a.value), Math.abs(b.value));
}
