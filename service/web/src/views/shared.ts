/** What every view gets from the page. */
import type { Boot } from '../boot.ts';
import type { SearchForm } from '../request.ts';

export interface Shared {
  boot: Boot;
  apiKey: string;
  /** The form as edited. */
  draft: SearchForm;
  /** The form as last submitted (null before the first search). */
  active: SearchForm | null;
  weights: Record<string, number>;
  /** Whether the weights differ from the service's defaults (then every view searches with them). */
  tuned: boolean;
  heads: string[];
  setWeights(w: Record<string, number>): void;
  /** Edits the form; runs it when `run`, or when a search is already showing (filters apply at once). */
  update(form: SearchForm, run: boolean): void;
}
