/**
 * Units of measure as people write them, and the unit an attribute is measured in, read from its name's suffix
 * (`screen_in`, `capacity_l`, `noise_db`, `ram_gb`): the catalog names its units, the parser only needs to know
 * how units are spelt. Related units convert ("1 TB" against `storage_gb`).
 */

/** Unit code -> how it is written after a number (longest first where they share a prefix). */
const SPELLINGS: Record<string, string[]> = {
  in: ['inches', 'inch', 'in', '"', "''", '”', '″'],
  cm: ['centimetres', 'centimeters', 'cm'],
  mm: ['millimetres', 'millimeters', 'mm'],
  l: ['litres', 'liters', 'litre', 'liter', 'ltrs', 'ltr', 'l'],
  ml: ['ml'],
  kg: ['kilograms', 'kilogram', 'kilos', 'kilo', 'kgs', 'kg'],
  g: ['grams', 'gram', 'g'],
  lb: ['lbs', 'lb'],
  db: ['decibels', 'decibel', 'dba', 'db'],
  w: ['watts', 'watt', 'w'],
  kw: ['kilowatts', 'kilowatt', 'kw'],
  hz: ['hertz', 'hz'],
  gb: ['gigabytes', 'gigabyte', 'gb', 'gig', 'gigs'],
  tb: ['terabytes', 'terabyte', 'tb'],
  mb: ['megabytes', 'megabyte', 'mb'],
  mp: ['megapixels', 'megapixel', 'mpx', 'mp'],
  mah: ['mah'],
  rpm: ['rpm'],
  bar: ['bars', 'bar'],
  pa: ['pascals', 'pascal', 'pa'],
  kpa: ['kpa'],
  h: ['hours', 'hour', 'hrs', 'hr', 'h'],
  min: ['minutes', 'minute', 'mins', 'min'],
};

/** `from` -> `to`: multiply by the factor. */
const CONVERSIONS: Record<string, Record<string, number>> = {
  tb: { gb: 1024 },
  gb: { tb: 1 / 1024, mb: 1024 },
  mb: { gb: 1 / 1024 },
  kw: { w: 1000 },
  w: { kw: 1 / 1000 },
  ml: { l: 1 / 1000 },
  l: { ml: 1000 },
  cm: { mm: 10, in: 1 / 2.54 },
  mm: { cm: 1 / 10 },
  in: { cm: 2.54 },
  kpa: { pa: 1000 },
  pa: { kpa: 1 / 1000 },
  h: { min: 60 },
  min: { h: 1 / 60 },
  kg: { g: 1000, lb: 2.20462 },
  g: { kg: 1 / 1000 },
  lb: { kg: 1 / 2.20462 },
};

export const UNIT_CODES = Object.keys(SPELLINGS);

const BY_SPELLING = new Map<string, string>(Object.entries(SPELLINGS).flatMap(([code, words]) => words.map((w) => [w, code] as const)));

/** A regular-expression alternation of every unit spelling, longest first. */
export const UNIT_PATTERN = [...BY_SPELLING.keys()]
  .sort((a, b) => b.length - a.length)
  .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  .join('|');

/**
 * The unit code of a spelling ("Inches" -> "in"), or undefined.
 *
 * @example unitOf('Litres') // 'l'
 */
export function unitOf(spelling: string): string | undefined {
  return BY_SPELLING.get(spelling.toLowerCase());
}

/**
 * An attribute's unit from its name suffix and the name without it: `screen_in` -> { unit: 'in', words: ['screen'] }.
 *
 * @example fieldUnit('capacity_kg') // { unit: 'kg', words: ['capacity'] }
 */
export function fieldUnit(name: string): { unit?: string; words: string[] } {
  const parts = name.toLowerCase().split(/[_\s.-]+/).filter(Boolean);
  const last = parts[parts.length - 1];
  if (parts.length > 1 && last && SPELLINGS[last]) return { unit: last, words: parts.slice(0, -1) };
  return { words: parts };
}

/**
 * The factor turning a value in `from` into `to` (1 when equal), or undefined when they do not convert.
 *
 * @example conversion('tb', 'gb') // 1024
 */
export function conversion(from: string, to: string): number | undefined {
  if (from === to) return 1;
  return CONVERSIONS[from]?.[to];
}

/** Words for small numbers ("five star", "two door"). */
export const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
};
