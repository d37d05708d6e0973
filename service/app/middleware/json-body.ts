/**
 * Request bodies are JSON objects: a body must be sent as `application/json` (a `text/plain` one is what a
 * cross-site form sends), must parse, must be an object (a body of `null` is named as such), may nest at most
 * `maxDepth` levels (deeper ones overflowed the stack further in) and may not use the key `__proto__`. Each
 * refusal is a 400 (415 for the media type) naming the place. The parsed body is not passed on: routes read it
 * again with `c.req.json()` from Hono's cached text.
 */
import type { MiddlewareHandler } from 'hono';
import { strataError } from '../../errors.ts';

/** JSON types as people say them, for messages. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The first place in a parsed JSON value nested deeper than `maxDepth`, or using the key `__proto__`
 * (walked with an explicit stack: no recursion on hostile input).
 *
 * @example findJsonHazard({ a: [[[1]]] }, 2) // { path: 'a.0', message: 'nested deeper than 2 levels' }
 */
export function findJsonHazard(root: unknown, maxDepth: number): { path: string; message: string } | undefined {
  const stack: Array<{ value: unknown; path: string[] }> = [{ value: root, path: [] }];
  while (stack.length) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (path.length >= maxDepth) return { path: path.join('.'), message: `nested deeper than ${maxDepth} levels` };
    for (const key of Object.keys(value)) {
      if (key === '__proto__') return { path: [...path, key].join('.'), message: 'the key "__proto__" is not allowed' };
      stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
  return undefined;
}

const invalid = (path: string, message: string) => strataError('validation', { summary: `${path}: ${message}` }, { issues: [{ path, message }] });

/**
 * Middleware checking JSON bodies of writes before any route reads them.
 *
 * @example app.use('/v1/*', checkJsonBody({ maxDepth: 32 }));
 */
export function checkJsonBody({ maxDepth = 32 } = {}): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || !c.req.raw.body) return next();
    const text = await c.req.text();
    if (text.trim() === '') return next();
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
      throw strataError('unsupported_media_type', { reason: `content-type: send the body as application/json (got "${type.slice(0, 100) || 'none'}")` });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (err) {
      const at = /position (\d+)/.exec((err as Error).message)?.[1];
      throw invalid('(body)', `not valid JSON${at ? ` (at character ${at})` : ''}`);
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalid('(body)', `must be a JSON object, got ${kindOf(body)}`);
    const hazard = findJsonHazard(body, maxDepth);
    if (hazard) throw invalid(hazard.path, hazard.message);
    return next();
  };
}
