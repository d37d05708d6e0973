/** Colours of the reranker's signals (Okabe-Ito: told apart by colour-blind readers too). */
export const SIGNAL_COLORS: Record<string, string> = {
  relevance: '#0072B2',
  recency: '#E69F00',
  popularity: '#CC79A7',
  rating: '#F0E442',
  trust: '#009E73',
  price: '#D55E00',
  image: '#56B4E9',
};

/** A colour for any signal name (unknown ones get a grey). */
export function signalColor(signal: string): string {
  return SIGNAL_COLORS[signal] ?? '#999999';
}
