/**
 * What query understanding produces, as zod schemas: the built-in parser and the optional LLM parser both
 * answer in this shape and are validated by it, and the `/v1/search` response carries it as `understood`.
 * Filters and negations use the search request's own `filters` schema, so the same validation applies to them.
 */
import { z } from 'zod';
import { FiltersSchema } from '../retrieval/filters.ts';

export const SPAN_KINDS = ['brand', 'category', 'attribute', 'colour', 'number', 'price', 'rating', 'date'] as const;
export type SpanKind = (typeof SPAN_KINDS)[number];

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const bound = z.union([z.number().finite(), z.string().min(1)]);

export const ConstraintRangeSchema = z
  .strictObject({ gte: bound.optional(), gt: bound.optional(), lte: bound.optional(), lt: bound.optional() })
  .refine((r) => Object.values(r).some((v) => v !== undefined), { message: 'a range needs at least one bound' });

/** A filterable field: the top-level ones or `attributes.<name>`. */
export const ConstraintFieldSchema = z.string().regex(/^(?:brand|category|price|rating|release_date|attributes\.[\w.-]+)$/, 'brand, category, price, rating, release_date or attributes.<name>');

const SpanFields = {
    start: z.number().int().min(0),
    end: z.number().int().min(0),
    /** The span's text as written in the query: `query.slice(start, end)`. */
    text: z.string().min(1),
    kind: z.enum(SPAN_KINDS),
    field: ConstraintFieldSchema,
    /** One value or several (any of them), for brand, category and keyword or boolean attributes. */
    value: z.union([scalar, z.array(scalar).min(1)]).optional(),
    /** A range, for numbers, prices, ratings and dates (ISO dates or date math such as `now-30d/d`). */
    range: ConstraintRangeSchema.optional(),
    /** "not bosch", "without ice maker": the constraint excludes instead of requiring. */
    negated: z.boolean().default(false),
    /** `filter`: a hard filter (or exclusion); `boost`: a soft preference the reranker scores. */
    effect: z.enum(['filter', 'boost']),
    confidence: z.number().min(0).max(1),
    /** How the words were recognised. */
    match: z.enum(['exact', 'synonym', 'typo', 'partial', 'phrase', 'llm']).default('exact'),
};

export const SpanSchema = z
  .strictObject(SpanFields)
  .refine((s) => s.end > s.start, { message: 'end must be after start', path: ['end'] })
  .refine((s) => (s.value === undefined) !== (s.range === undefined), { message: 'a span has either a value or a range', path: ['value'] });

export type Span = z.output<typeof SpanSchema>;

export const BoostSchema = z.strictObject({
  field: ConstraintFieldSchema,
  value: z.union([scalar, z.array(scalar).min(1)]).optional(),
  range: ConstraintRangeSchema.optional(),
  negated: z.boolean(),
  /** The span's confidence: how much this preference counts in the `understood` signal. */
  weight: z.number().min(0).max(1),
  /** Index of the span in `spans`. */
  span: z.number().int().min(0),
});

export type Boost = z.infer<typeof BoostSchema>;

export const UnderstandingSchema = z.strictObject({
  /** The query with the spans that became structure (prices, numbers, dates, ratings, negations) taken out. */
  text: z.string(),
  filters: FiltersSchema,
  negations: FiltersSchema,
  boosts: z.array(BoostSchema),
  spans: z.array(SpanSchema),
});

export type Understanding = z.output<typeof UnderstandingSchema>;

/** The request's `understand` option: on (default), off, or on with spans to leave out (chips the user removed). */
export const UnderstandOptionSchema = z
  .union([
    z.boolean(),
    z.strictObject({
      ignore: z
        .array(z.strictObject({ start: z.number().int().min(0), end: z.number().int().min(0) }))
        .max(100)
        .default([])
        .describe('character ranges of spans to leave out (a removed chip): their words stay plain text'),
      parser: z.enum(['auto', 'builtin', 'llm']).default('auto').describe('`auto`: the LLM parser when one is configured, else the built-in one'),
    }),
  ])
  .default(true)
  .describe('read brands, categories, attributes, numbers, prices, ratings, dates and negations out of the query');

/** `understood` in the search response: every span with what became of it. */
export const UnderstoodSchema = z.strictObject({
  parser: z.enum(['builtin', 'llm']),
  text: z.string(),
  spans: z.array(
    z.strictObject({
      ...SpanFields,
      /** `applied`; `overridden` by an explicit filter on the same field; `relaxed` to a boost by the empty-result fallback. */
      status: z.enum(['applied', 'overridden', 'relaxed']),
    }),
  ),
  filters: FiltersSchema,
  negations: FiltersSchema,
  boosts: z.array(BoostSchema),
  fallback: z.strictObject({ reason: z.enum(['no_results', 'llm_failed']), message: z.string(), relaxed: z.array(z.number().int()) }).optional(),
  tookMs: z.number(),
});
