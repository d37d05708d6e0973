/**
 * Response pieces shared by several routes (the error envelope, head references, snippets, explanations, stored
 * documents). Each route's response schema is built from these beside its request schema; the routes send their
 * bodies through `respond()`, typed by those schemas, and the OpenAPI document is generated from them, so the
 * document, the types and the wire cannot drift apart.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { ERRORS, type ErrorCode } from '../errors.ts';
import { CatalogDocumentSchema } from '../catalog/schema.ts';
import { SIGNALS } from '../rerank/weights.ts';

/** Every error the service answers with: `{ "error": { "code", "message", "details" } }`. */
export const ErrorResponseSchema = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]).describe('A code from the error catalogue'),
      message: z.string(),
      details: z.unknown().optional().describe('e.g. `issues: [{ path, message }]` for validation errors'),
    }),
  });

/** The head that produced the relevance scores. */
export const HeadRefSchema = z.object({ name: z.string(), version: z.string(), type: z.string() });

export const SnippetSchema = z.object({
  text: z.string(),
  /** Character offsets into `field` of the document. */
  start: z.number().int(),
  end: z.number().int(),
  score: z.number(),
  highlights: z.array(z.object({ start: z.number().int(), end: z.number().int() })),
  field: z.string(),
});

/** Per-signal contributions (they add up exactly to the score), raw signals and the head's input features. */
export const ExplainSchema = z.object({
  contributions: z.record(z.enum(SIGNALS), z.number()),
  signals: z.record(z.enum(SIGNALS), z.number().nullable()),
  features: z.record(z.string(), z.number()),
});

/** A document as stored (catalog fields, cleaned; vector fields left out). */
export const StoredDocumentSchema = CatalogDocumentSchema.partial()
  .loose()
  .describe('A catalog document as stored: its catalog fields, cleaned');

const ms = z.number().min(0);

/** Milliseconds spent by stage. */
export const timings = <K extends string>(keys: readonly K[]) => z.object(Object.fromEntries(keys.map((k) => [k, ms])) as Record<K, typeof ms>);

/**
 * Sends a JSON body typed by its response schema. The schema is only read by the type checker here (responses
 * are not re-validated at run time; the OpenAPI test validates real responses against the generated schemas).
 *
 * @example return respond(c, SearchResponseSchema, { hits, reranked: false, took });
 */
export function respond<S extends z.ZodType>(c: Context, _schema: S, body: z.output<S>, status: ContentfulStatusCode = 200): Response {
  return c.json(body as never, status);
}
