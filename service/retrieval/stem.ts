/**
 * English stemming done in TypeScript: the test distribution of Elasticsearch has no `english` analyzer (no
 * analysis-common module), so the indexer writes Porter-stemmed copies of the text (`stemmed_title`,
 * `stemmed_body`) and BM25 also matches the stemmed query against them: "fridges" meets "fridge".
 */
import { stemmer } from 'stemmer';

/**
 * Lower-cases, splits on non-alphanumerics and stems each word; tokens with digits (product codes, sizes) stay
 * as they are.
 *
 * @example stemmedText('Energy-efficient fridges') // 'energi effici fridg'
 */
export function stemmedText(text: string, { maxChars = 100_000 }: { maxChars?: number } = {}): string {
  const words = text.slice(0, maxChars).toLowerCase().normalize('NFKC').split(/[^\p{L}\p{N}]+/u);
  return words
    .filter(Boolean)
    .map((w) => (/\d/.test(w) ? w : stemmer(w)))
    .join(' ');
}
