/**
 * Tenant ownership of names (indices and heads). A tenant owns exactly the names `<tenant>` and
 * `<tenant>--<rest>`. Tenant names are lower-case words joined by single hyphens (`acme`, `acme-corp`), so they
 * never contain `--` nor end in `-`: the text before the first `--` of a name is its only possible owner, and
 * `acme` can never claim `acme-corp--products` (it would need the name to start with `acme--`).
 */

/** Lower-case letters, digits and `_`, in words joined by single `-` (no `--`, no leading or trailing `-`). */
export const TENANT_PATTERN = /^[a-z0-9_]+(-[a-z0-9_]+)*$/;

/** The separator between a tenant and the rest of a name it owns. */
export const TENANT_SEPARATOR = '--';

/**
 * Whether `tenant` (`*` = administrator) owns the index or head name `name`.
 *
 * @example ownsName('acme', 'acme--products') // true
 *          ownsName('acme', 'acme-corp--products') // false
 */
export function ownsName(tenant: string, name: string): boolean {
  return tenant === '*' || name === tenant || name.startsWith(`${tenant}${TENANT_SEPARATOR}`);
}

/**
 * The tenant a name belongs to, or null for a shared name (no `--`).
 *
 * @example ownerOfName('acme-corp--intents') // 'acme-corp'
 */
export function ownerOfName(name: string): string | null {
  const i = name.indexOf(TENANT_SEPARATOR);
  return i > 0 ? name.slice(0, i) : null;
}

/**
 * A tenant's own name for `name` (an administrator's names are used as they are).
 *
 * @example tenantName('acme', 'products') // 'acme--products'
 */
export function tenantName(tenant: string, name: string): string {
  return tenant === '*' ? name : `${tenant}${TENANT_SEPARATOR}${name}`;
}
