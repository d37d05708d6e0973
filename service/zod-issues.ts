/**
 * zod issues as field paths and messages a caller can act on: unknown keys named one by one, a value of none of a
 * union's forms described by those forms, the same words on the same field said once. Used for request bodies
 * (`(body)` at the root) and catalog rows (`(document)`).
 */
import type { z } from 'zod';

/** Field paths and messages of a zod error, e.g. `[{ path: 'filters.price', message: '...' }]`. */
export function issuesOf(error: z.ZodError, root = '(body)'): Array<{ path: string; message: string }> {
  // Two checks of one field can fail with the same words (a date that is neither ISO nor date maths): say it once.
  const seen = new Set<string>();
  return flatIssues(error.issues, [], root).filter((i) => !seen.has(`${i.path}\n${i.message}`) && Boolean(seen.add(`${i.path}\n${i.message}`)));
}

type Issue = z.core.$ZodIssue;

function flatIssues(issues: readonly Issue[], prefix: readonly PropertyKey[], root: string): Array<{ path: string; message: string }> {
  return issues.flatMap((i) => {
    const path = [...prefix, ...i.path];
    // An unknown key is named by its own path, so the caller sees which key to remove.
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ path: [...path, k === '' ? '""' : k].join('.'), message: 'unknown field' }));
    if (i.code === 'invalid_union' && i.message === 'Invalid input' && i.errors.length) return unionIssues(i.errors, path, root);
    if (i.code === 'invalid_type') return [{ path: pathText(path, root), message: typeMessage(i.message) }];
    return [{ path: pathText(path, root), message: i.message }];
  });
}

const pathText = (path: readonly PropertyKey[], root: string) => path.map(String).join('.') || root;

/**
 * A value none of a union's forms accepts. zod's own message is "Invalid input"; instead, when the value had the
 * type of one form (a list of brands longer than allowed), that form's issues are given, and when
 * it had none of the types, the types that would do: `expected string or object, received null`.
 */
function unionIssues(branches: readonly (readonly Issue[])[], path: readonly PropertyKey[], root: string): Array<{ path: string; message: string }> {
  const matched = branches.find((b) => b.length > 0 && rootTypes(b) === null);
  if (matched) return flatIssues(matched, path, root);
  const expected = [...new Set(branches.flatMap((b) => rootTypes(b) ?? []))];
  const received = branches.flat().map((i) => /received (\w+)/.exec(i.message)?.[1]).find(Boolean);
  const list = expected.length > 1 ? `${expected.slice(0, -1).join(', ')} or ${expected.at(-1)}` : (expected[0] ?? 'another form');
  return [{ path: pathText(path, root), message: typeMessage(`expected ${list}${received ? `, received ${received}` : ''}`) }];
}

/**
 * zod's type message without its "Invalid input: " prefix, and a missing field called missing: `required (expected
 * string)` rather than `Invalid input: expected string, received undefined`.
 *
 * @example typeMessage('Invalid input: expected string, received undefined') // 'required (expected string)'
 */
function typeMessage(message: string): string {
  const plain = message.replace(/^Invalid input: /, '');
  const missing = /^expected (.+), received undefined$/.exec(plain);
  return missing ? `required (expected ${missing[1]})` : plain;
}

/** The types a union's form wanted when the value was not of its type (null when it was, and failed inside). */
function rootTypes(issues: readonly Issue[]): string[] | null {
  const root = issues.find((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value' || i.code === 'invalid_union'));
  if (!root) return null;
  if (root.code === 'invalid_type') return [root.expected === 'record' ? 'object' : root.expected];
  if (root.code === 'invalid_value') return root.values.map((v) => JSON.stringify(v));
  if (root.code !== 'invalid_union' || root.message !== 'Invalid input') return null;
  const nested = root.errors.map(rootTypes);
  return nested.every((t) => t !== null) ? nested.flat() as string[] : null;
}
