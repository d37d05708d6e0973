/**
 * Shapes the page reads. Request and catalog types come from the service's own zod schemas (type-only imports,
 * nothing of the server is bundled); the search response has no schema yet, so its hit is written down here and
 * read defensively (optional fields may be missing).
 */
import type { z } from 'zod';
import type { SearchRequestSchema } from '../../app/routes/search.ts';
import type { CatalogDocument } from '../../catalog/schema.ts';
import type { Filters } from '../../retrieval/filters.ts';

export type { Facets } from '../../usecases/facets.ts';
export type { IndexSummary } from '../../usecases/list-indices.ts';
export type { ReportSummary } from '../../usecases/reports.ts';
export type SearchBody = z.input<typeof SearchRequestSchema>;
export type { Filters };

export interface Highlight {
  start: number;
  end: number;
}

export interface Snippet {
  text: string;
  start?: number;
  end?: number;
  field?: string;
  highlights?: Highlight[];
}

export interface Hit {
  id: string;
  score: number;
  rank?: number;
  ranks?: Record<string, number | null>;
  scores?: Record<string, number | null>;
  contributions?: Record<string, number>;
  signals?: Record<string, number | null>;
  features?: Record<string, number>;
  snippets?: Snippet[];
  document: Partial<CatalogDocument> & { id?: string };
}

export interface SearchResponse {
  hits: Hit[];
  reranked: boolean;
  head?: { name: string; version: string; type: string };
  took?: Record<string, number>;
  /** Query understanding, when the service has it (read with `understoodSpans`). */
  understood?: unknown;
}

export interface EncoderInfo {
  id: string;
  modality: string;
  dim: number;
  version: string;
  weights?: string;
  preprocessing?: string;
  active?: boolean;
}

export interface HeadInfo {
  name: string;
  type: string;
  task: string;
  version: string;
  features: number;
  metrics: Record<string, unknown>;
  createdAt?: string;
  file: string | null;
}

export interface Models {
  encoders: EncoderInfo[];
  heads: HeadInfo[];
  refused: Array<{ file: string; error: string }>;
}

export interface DslResponse {
  method: 'POST';
  path: string;
  body: Record<string, unknown>;
  notes: string[];
}
