/**
 * The catalog document: one zod schema, from which the TypeScript type, request validation and the OpenAPI
 * document all come. `id` and `title` are required; everything else is optional metadata the reranker uses.
 */
import { z } from 'zod';
import { issuesOf } from '../zod-issues.ts';

// The pattern is a `regex` check (not only a refinement) so the JSON schema carries it as `pattern`.
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'expected an ISO date such as 2024-05-01')
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'expected an ISO date such as 2024-05-01' });

/** Elasticsearch's limit on an id is 512 bytes (not characters: 171 CJK characters are 513 bytes). */
export const MAX_ID_BYTES = 512;

/** A string id within Elasticsearch's byte limit. */
export const idWithinBytes = z.string().refine((id) => Buffer.byteLength(id, 'utf8') <= MAX_ID_BYTES, {
  message: `must be at most ${MAX_ID_BYTES} bytes in UTF-8`,
});

export const GeoPointSchema = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

export const CatalogDocumentSchema = z
  .object({
    id: z
      .union([z.string(), z.number().int()])
      .transform((v) => String(v))
      .pipe(z.string().min(1, 'must not be empty').regex(/^[^\s/]/, 'must not start with "/" or a space').pipe(idWithinBytes)),
    title: z.string().min(1, 'must not be empty'),
    description: z.string().optional(),
    brand: z.string().optional(),
    category: z.string().optional(),
    price: z.number().nonnegative().finite().optional(),
    currency: z.string().length(3, 'must be a 3-letter code').optional(),
    rating: z.number().min(0).max(5).optional(),
    review_count: z.number().int().nonnegative().optional(),
    release_date: isoDate.optional(),
    image: z.string().optional(),
    attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    reviews: z.array(z.string()).optional(),
    location: GeoPointSchema.optional(),
    tenant: z.string().min(1).optional(),
  })
  .strict();

export type CatalogDocument = z.infer<typeof CatalogDocumentSchema>;
export type CatalogDocumentInput = z.input<typeof CatalogDocumentSchema>;

/** The text fields cleaned of HTML/markdown noise before encoding and indexing. */
export const TEXT_FIELDS = ['title', 'description', 'brand'] as const;

/**
 * Turns a zod error into short `field: message` strings.
 *
 * @example describeIssues(CatalogDocumentSchema.safeParse({}).error!) // ['id: required (expected string or number)', 'title: required (expected string)']
 */
export function describeIssues(error: z.ZodError): string[] {
  return issuesOf(error, '(document)').map((i) => `${i.path}: ${i.message}`);
}
