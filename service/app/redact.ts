/**
 * Server paths stay on the server: error answers to anyone but an administrator have the service's own
 * directories (models, heads, cache, the repository) replaced by placeholders, so a tenant learns nothing of
 * the file system from an error (a model that failed to load names its file only as `<models>/...`).
 */

/**
 * A function that replaces each directory (longest first) by its placeholder in any string inside a value.
 *
 * @example redactor([['/root/.cache/strata/models', '<models>']])({ message: 'missing /root/.cache/strata/models/x' })
 *          // { message: 'missing <models>/x' }
 */
export function redactor(dirs: ReadonlyArray<readonly [string, string]>): <T>(value: T) => T {
  const pairs = dirs.filter(([dir]) => dir.length > 1).sort((a, b) => b[0].length - a[0].length);
  const text = (s: string) => pairs.reduce((out, [dir, label]) => out.split(dir).join(label), s);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return <T>(value: T) => walk(value) as T;
}
