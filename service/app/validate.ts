/**
 * Request validation: the body is read as JSON and checked against a zod schema; failures become one
 * `validation` error whose details list every failing field path.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { strataError } from '../errors.ts';
import { issuesOf } from '../zod-issues.ts';

export { issuesOf };

/**
 * Parses a value with a schema or throws a 400 naming the fields.
 *
 * @example const req = parseWith(SearchRequestSchema, await c.req.json());
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error);
  const summary = issues.slice(0, 3).map((i) => `${i.path}: ${i.message}`).join('; ');
  throw strataError('validation', { summary }, { issues });
}

/**
 * Reads and validates a JSON body.
 *
 * @example const body = await readJson(c, DocumentsRequestSchema);
 */
export async function readJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  let value: unknown;
  try {
    value = await c.req.json();
  } catch {
    throw strataError('validation', { summary: 'the body is not valid JSON' });
  }
  return parseWith(schema, value);
}
