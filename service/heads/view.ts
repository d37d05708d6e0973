/**
 * Head feature views: a rerank head may use any features the assembler produces, in its own order, and is served
 * only to requests that have them. Documents searched in the index have every feature; inline documents only the
 * request-local ones (see features/scopes.ts). A head that cannot be computed for a request is replaced by one
 * that can (`<name>-inline`, or for `<name>-lr|xgb` the `<name>-inline-lr|xgb` that `strata train rerank --view
 * inline` writes beside it, then `default-inline`, which always exists), and the caller says so.
 */
import type { HeadArtifact } from './artifact.ts';
import type { HeadPredictor } from './predict.ts';
import { featureScope, missingScopes, type FeatureScope, type HeadView } from '../features/scopes.ts';
import { strataError } from '../errors.ts';

/**
 * Refuses a rerank head that needs features the assembler does not produce (order and extra assembler features do
 * not matter: the assembler builds each head's own columns).
 *
 * @example checkHeadFeatures(artifact, featureNames({ textEncoders: ['text/minilm'] }));
 */
export function checkHeadFeatures(artifact: Pick<HeadArtifact, 'name' | 'features'>, available: readonly string[]): void {
  const have = new Set(available);
  const missing = artifact.features.filter((f) => !have.has(f));
  if (missing.length === 0) return;
  throw strataError(
    'dimension_mismatch',
    { reason: `head "${artifact.name}" needs features the assembler does not produce: missing ${JSON.stringify(missing)}` },
    { missing, extra: [] },
  );
}

/**
 * The view and scopes an artifact records (derived from its feature names when it predates them).
 *
 * @example headScopes(artifact) // { view: 'inline', index: [], request: [...] }
 */
export function headScopes(artifact: Pick<HeadArtifact, 'features' | 'view' | 'scopes'>): { view: HeadView; index: string[]; request: string[] } {
  const index = artifact.scopes?.index ?? artifact.features.filter((f) => featureScope(f) === 'index');
  const request = artifact.scopes?.request ?? artifact.features.filter((f) => featureScope(f) === 'request');
  return { view: artifact.view ?? (index.length ? 'index' : 'inline'), index, request };
}

export interface ChosenHead {
  predictor: HeadPredictor;
  /** Set when the requested head could not be computed for this request. */
  fallback?: { requested: string; reason: string };
}

/**
 * The head to use for a request that has the features of `available` scopes: the requested one when it can be
 * computed, else `<requested>-inline` (or `<name>-inline-<type>` for `<name>-<type>`), else `default-inline`.
 *
 * @example chooseRerankHead((n) => store.get(n, 'rerank'), (n) => store.has(n), 'default', new Set(['request']))
 */
export function chooseRerankHead(
  get: (name: string) => HeadPredictor,
  has: (name: string) => boolean,
  requested: string,
  available: ReadonlySet<FeatureScope>,
): ChosenHead {
  const head = get(requested);
  const missing = missingScopes(head.artifact.features, available);
  if (missing.length === 0) return { predictor: head };
  const reason = `head "${requested}" uses index features (${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', ...' : ''}) that documents sent inline do not have`;
  const sameType = requested.replace(/-(lr|xgb)$/, '-inline-$1');
  for (const name of [`${requested}-inline`, ...(sameType !== requested ? [sameType] : []), 'default-inline']) {
    if (name === requested || !has(name)) continue;
    const candidate = get(name);
    if (missingScopes(candidate.artifact.features, available).length === 0) return { predictor: candidate, fallback: { requested, reason } };
  }
  throw strataError('validation', { summary: `${reason}, and no inline head can stand in` });
}
