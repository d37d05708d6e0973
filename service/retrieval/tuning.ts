/**
 * An index's own first-stage tuning, stored with the index (in its mapping's `_meta.strata.tuning`, so every
 * service replica reads the same): BM25 field boosts and the fusion of BM25 with kNN, both fitted by
 * `strata train fusion` on judgments or synthetic judgments, and the query adapter `strata adapt --attach` made
 * for it. An index without tuning gets the defaults: `DEFAULT_BM25` (equal field weights) and plain RRF.
 * A blue/green re-index starts a new concrete index without tuning: fit it again (the data changed).
 */
import type { Client } from '@elastic/elasticsearch';
import { z } from 'zod';
import { esCall } from '../es/client.ts';
import { FusionSchema } from './fusion.ts';

/** The logical text fields BM25 searches (stemmed copies follow `title` and `body`). */
export const BM25_FIELD_NAMES = ['title', 'brand', 'category', 'body', 'reviews'] as const;
export type Bm25Field = (typeof BM25_FIELD_NAMES)[number];

export const Bm25TuningSchema = z
  .object({
    boosts: z.object(Object.fromEntries(BM25_FIELD_NAMES.map((f) => [f, z.number().min(0).max(100)])) as Record<Bm25Field, z.ZodNumber>).strict(),
    /** multi_match `best_fields` tie breaker: 0 = best field only, 1 = sum over fields. */
    tieBreaker: z.number().min(0).max(1),
  })
  .strict();

export type Bm25Tuning = z.infer<typeof Bm25TuningSchema>;

/** Without fitted boosts: every field weighs the same (measured against `LEGACY_BM25` in the README). */
export const DEFAULT_BM25: Bm25Tuning = { boosts: { title: 1, brand: 1, category: 1, body: 1, reviews: 1 }, tieBreaker: 0.3 };

/** The fixed boosts Strata used before per-index tuning (`title^3`). */
export const LEGACY_BM25: Bm25Tuning = { boosts: { title: 3, brand: 2, category: 1.5, body: 1, reviews: 0.5 }, tieBreaker: 0.3 };

const Fitted = z.object({ metrics: z.record(z.string(), z.unknown()).default({}) });

export const IndexTuningSchema = z.object({
  format: z.literal('strata-index-tuning/1'),
  version: z.string().min(1),
  createdAt: z.string(),
  /** Where the judgments came from. */
  source: z.string().default(''),
  bm25: Bm25TuningSchema.extend(Fitted.shape).optional(),
  fusion: FusionSchema.extend(Fitted.shape).optional(),
  adapter: z.object({ name: z.string().min(1), version: z.string().min(1), encoder: z.string().min(1) }).optional(),
});

export type IndexTuning = z.infer<typeof IndexTuningSchema>;

/**
 * The ES `multi_match` field lists for a tuning: the raw text fields and the stemmed copies.
 *
 * @example bm25Fields(DEFAULT_BM25).raw // ['title^1', 'brand^1', 'category.text^1', 'description^1', 'reviews^1']
 */
export function bm25Fields({ boosts }: Bm25Tuning): { raw: string[]; stemmed: string[] } {
  const f = (name: string, boost: number) => (boost > 0 ? [`${name}^${boost}`] : []);
  return {
    raw: [...f('title', boosts.title), ...f('brand', boosts.brand), ...f('category.text', boosts.category), ...f('description', boosts.body), ...f('reviews', boosts.reviews)],
    stemmed: [...f('stemmed_title', boosts.title), ...f('stemmed_body', boosts.body)],
  };
}

type Meta = { strata?: Record<string, unknown> } & Record<string, unknown>;

/**
 * The tuning stored with an index (null when none, or when what is stored does not parse: then the defaults serve
 * and `problem` says why).
 *
 * @example const { tuning } = await readIndexTuning(es, 'products');
 */
export async function readIndexTuning(client: Client, index: string, signal?: AbortSignal): Promise<{ tuning: IndexTuning | null; problem?: string }> {
  const res = await esCall(client, (c) => c.indices.getMapping({ index }, signal ? { signal } : {}));
  const first = Object.values(res)[0];
  const raw = (first?.mappings._meta as Meta | undefined)?.strata?.tuning;
  if (raw === undefined) return { tuning: null };
  const parsed = IndexTuningSchema.safeParse(raw);
  if (!parsed.success) return { tuning: null, problem: `index "${index}" has a tuning that does not parse: ${parsed.error.issues[0]?.message}` };
  return { tuning: parsed.data };
}

/**
 * Stores a tuning with every concrete index behind `index` (merged into `_meta.strata`, whose other keys stay).
 *
 * @example await writeIndexTuning(es, 'products', tuning);
 */
export async function writeIndexTuning(client: Client, index: string, tuning: IndexTuning): Promise<void> {
  const checked = IndexTuningSchema.parse(tuning);
  const res = await esCall(client, (c) => c.indices.getMapping({ index }));
  for (const [concrete, { mappings }] of Object.entries(res)) {
    const meta = (mappings._meta ?? {}) as Meta;
    const next = { ...meta, strata: { ...(meta.strata ?? {}), tuning: checked } };
    await esCall(client, (c) => c.indices.putMapping({ index: concrete, _meta: next }));
  }
}
