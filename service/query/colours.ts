/**
 * Colour words: which attribute holds colours (its name says so, or most of its values are colour words), and
 * the spelling variants people mix ("gray"/"grey"). The values themselves always come from the catalog.
 */

const COLOUR_WORDS = new Set(
  'black white grey gray silver gold golden red blue green yellow orange purple pink brown beige navy maroon burgundy teal turquoise olive khaki cream ivory tan charcoal graphite bronze copper rose peach mustard magenta lavender violet cyan aqua lime mint coral nude multi multicolour multicolor steel titanium nickel sand champagne indigo'.split(
    ' ',
  ),
);

/** Spelling variants that mean the same colour. */
const VARIANTS: Record<string, string> = { gray: 'grey', colour: 'color', golden: 'gold', multicolor: 'multi', multicolour: 'multi' };

/**
 * The canonical spelling of a colour word ("gray" -> "grey").
 *
 * @example canonicalColour('Gray') // 'grey'
 */
export function canonicalColour(word: string): string {
  const w = word.toLowerCase();
  return VARIANTS[w] ?? w;
}

/**
 * Every spelling of a colour value, word by word ("Grey Melange" -> ["Grey Melange", "gray Melange"]).
 *
 * @example colourSpellings('Grey') // ['Grey', 'gray']
 */
export function colourSpellings(value: string): string[] {
  let out = [''];
  for (const w of value.split(/\s+/)) {
    const alts = [w, ...Object.entries(VARIANTS).filter(([, canon]) => canon === w.toLowerCase()).map(([v]) => v)];
    out = out.flatMap((p) => alts.map((a) => (p ? `${p} ${a}` : a)));
  }
  return out;
}

/**
 * Whether an attribute holds colours: its name contains colour/color, or most of its values start with a colour word.
 *
 * @example isColourAttribute('baseColour', ['Black', 'Navy Blue']) // true
 */
export function isColourAttribute(name: string, values: readonly string[]): boolean {
  if (/colou?r/i.test(name)) return true;
  if (values.length < 3) return false;
  const colourish = values.filter((v) => v.toLowerCase().split(/\s+/).some((w) => COLOUR_WORDS.has(w))).length;
  return colourish / values.length >= 0.6;
}

/**
 * Whether a word is a colour word.
 *
 * @example isColourWord('teal') // true
 */
export function isColourWord(word: string): boolean {
  return COLOUR_WORDS.has(word.toLowerCase());
}
