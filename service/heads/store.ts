/**
 * The heads the service serves: every `<dir>/<name>.json` artifact, loaded, checked (schema, consistency, the
 * assembler's features, the file name, a probe run) and scoped to tenants. `reload()` is atomic: the new set is built aside and swapped in whole; an artifact that fails to load or
 * check is refused (the error says which file and why) and the previous version of that head keeps serving.
 * Without a trained `default` rerank head, a built-in one stands in (see `builtinRerankHead`).
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkFeatures, parseArtifact, type HeadArtifact } from './artifact.ts';
import { probeRows } from './check-artifact.ts';
import { createPredictor, type HeadPredictor } from './predict.ts';
import { strataError, StrataError } from '../errors.ts';
import { listEncoderSpecs } from '../encoders/registry.ts';
import { currentRequest } from '../request-context.ts';
import { ownerOfName, ownsName, tenantName } from '../tenants.ts';

/** Head names (and so artifact file names): lower-case letters, digits, `_ . -`. */
const HEAD_NAME = /^[a-z0-9][a-z0-9_.-]*$/;

export interface HeadInfo {
  name: string;
  type: string;
  task: string;
  version: string;
  features: number;
  labels?: string[];
  metrics: Record<string, unknown>;
  createdAt: string;
  /** The artifact's file name in the heads directory (null for the built-in head). */
  file: string | null;
  /** Its absolute path: shown to administrators only. */
  path?: string | null;
}

export interface HeadStore {
  /** A head the tenant (default: the current request's) may use: its own `<tenant>--<name>`, else the shared one. */
  get(name: string, task?: 'rerank' | 'classify', tenant?: string): HeadPredictor;
  list(tenant?: string): HeadInfo[];
  reload(): Promise<{ loaded: string[]; refused: Array<{ file: string; error: string }> }>;
  /** The artifacts the last load (at open, or the last reload) refused, with the reason (files relative to the directory). */
  refused(tenant?: string): Array<{ file: string; error: string; path?: string }>;
  close(): void;
}

/**
 * A hand-set logistic head over the first-stage and lexical features, used until a `default` head is trained:
 * it trusts dense similarity most, then BM25 and title overlap, then exact code matches.
 *
 * @example builtinRerankHead(featureNames({ textEncoders: ['text/chargram'] }))
 */
export function builtinRerankHead(features: readonly string[]): HeadArtifact {
  const weightOf = (f: string): number => {
    if (f.endsWith(':passage_max')) return 2.5;
    if (f.endsWith(':sim') && f.startsWith('text/')) return 2.5;
    if (f === 'fs:bm25_norm') return 1.5;
    if (f === 'fs:fused_rrank') return 4;
    if (f === 'lex:title_overlap') return 1;
    if (f === 'lex:code_match') return 1.5;
    return 0;
  };
  return {
    format: 'strata-head/1',
    type: 'lr',
    name: 'default',
    version: 'builtin-1',
    task: 'rerank',
    features: [...features],
    normalisation: { mean: features.map(() => 0), std: features.map(() => 1) },
    model: { kind: 'sigmoid', weights: [[...features.map(weightOf), -3]] },
    metrics: {},
    trainingDataHash: '',
    trainer: 'builtin (hand-set weights; train a head with `strata train rerank`)',
    createdAt: '1970-01-01T00:00:00.000Z',
  };
}

interface Loaded {
  predictor: HeadPredictor;
  /** The artifact's path (absolute), or null for the built-in head. */
  file: string | null;
}

/** Artifacts larger than this are refused unread (an XGBoost head is ~1.5 MB). */
const MAX_ARTIFACT_BYTES = 64 * 1024 * 1024;

/**
 * Which heads a tenant may see and use: shared ones (no `--` in the name) and its own; an administrator all.
 *
 * @example headVisible('acme', 'acme-corp--intents') // false
 */
export function headVisible(tenant: string, name: string): boolean {
  const owner = ownerOfName(name);
  return owner === null || ownsName(tenant, name);
}

/** Runs a freshly loaded head on probe rows: a head whose outputs are not finite probabilities is refused. */
function probe(predictor: HeadPredictor, file: string): void {
  const a = predictor.artifact;
  const { rows, n } = probeRows(a);
  const out = predictor.predict(rows, n);
  const want = n * (a.task === 'classify' ? a.labels!.length : 1);
  if (out.length !== want) throw strataError('model_error', { file, reason: `the model gives ${out.length / n} outputs per row, expected ${want / n}` });
  const bad = out.findIndex((p) => !Number.isFinite(p) || p < 0 || p > 1);
  if (bad >= 0) throw strataError('model_error', { file, reason: 'the model gives non-finite or out-of-range probabilities on probe rows (weights or normalisation out of range)' });
}

/**
 * Opens the head directory (missing is fine: only the built-in head is served). Heads are shared (`<name>.json`)
 * or a tenant's own (`<tenant>--<name>.json`, see service/tenants.ts); `get`, `list` and `refused` show a tenant
 * only the heads it may use (the current request's tenant unless one is given). Refusals name files relative to
 * the heads directory, so no absolute server path reaches a tenant.
 *
 * @example const heads = await openHeadStore({ dir: config.headsDir, rerankFeatures: featureNames({ textEncoders }) });
 */
export async function openHeadStore({
  dir,
  rerankFeatures,
  encoderDims = new Map(listEncoderSpecs().map((s) => [s.id, s.dim])),
}: {
  dir: string;
  rerankFeatures: readonly string[];
  encoderDims?: ReadonlyMap<string, number>;
}): Promise<HeadStore> {
  let heads = new Map<string, Loaded>();
  let lastRefused: Array<{ file: string; error: string }> = [];

  async function loadFile(file: string, name: string): Promise<Loaded> {
    const shown = path.basename(file);
    const info = await lstat(file);
    if (info.isSymbolicLink()) {
      const target = await realpath(file).catch(() => '');
      const root = await realpath(dir);
      if (!target.startsWith(`${root}${path.sep}`)) throw strataError('model_error', { file: shown, reason: 'is a link to a file outside the heads directory' });
    }
    const real = await stat(file);
    if (!real.isFile()) throw strataError('model_error', { file: shown, reason: 'is not a regular file' });
    if (real.size > MAX_ARTIFACT_BYTES) throw strataError('model_error', { file: shown, reason: `is ${real.size} bytes, over the ${MAX_ARTIFACT_BYTES}-byte limit` });
    const artifact = parseArtifact(await readFile(file, 'utf8'), shown, { encoderDims });
    if (artifact.name !== name) throw strataError('model_error', { file: shown, reason: `its name "${artifact.name}" differs from its file name (expected "${name}")` });
    if (artifact.task === 'rerank') checkFeatures(artifact, rerankFeatures);
    const predictor = await createPredictor(artifact);
    try {
      probe(predictor, shown);
    } catch (err) {
      predictor.dispose();
      throw err;
    }
    return { predictor, file };
  }

  async function reload() {
    const next = new Map<string, Loaded>();
    const refused: Array<{ file: string; error: string }> = [];
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const base of files.filter((f) => f.endsWith('.json')).sort()) {
      const file = path.join(dir, base);
      const name = path.basename(base, '.json');
      try {
        if (!HEAD_NAME.test(name)) throw strataError('model_error', { file: base, reason: 'the file name is not a head name (lower-case letters, digits, _ . -)' });
        if (next.has(name)) throw strataError('model_error', { file: base, reason: `a second artifact claims the head "${name}"` });
        next.set(name, await loadFile(file, name));
      } catch (err) {
        refused.push({ file: base, error: err instanceof StrataError ? err.message : 'could not be read' });
        // Keep serving what was loaded before under the same name.
        const previous = heads.get(name);
        if (previous && !next.has(name)) next.set(name, previous);
      }
    }
    if (!next.has('default')) next.set('default', { predictor: await createPredictor(builtinRerankHead(rerankFeatures)), file: null });
    const old = heads;
    heads = next;
    for (const [name, h] of old) if (next.get(name) !== h) h.predictor.dispose();
    lastRefused = refused;
    return { loaded: [...next.keys()], refused };
  }

  const tenantOf = (tenant?: string) => tenant ?? currentRequest()?.tenant ?? '*';

  await reload();
  return {
    get(name, task, tenant) {
      const t = tenantOf(tenant);
      // A tenant's own head of that name comes first, then the shared one; another tenant's never.
      const h = (t !== '*' && ownerOfName(name) === null ? heads.get(tenantName(t, name)) : undefined) ?? (headVisible(t, name) ? heads.get(name) : undefined);
      if (!h) {
        const available = [...heads.keys()].filter((n) => headVisible(t, n)).sort();
        throw strataError('not_found', { what: `head "${name}" (available: ${available.join(', ')})` });
      }
      if (task && h.predictor.artifact.task !== task) {
        throw strataError('validation', { summary: `head "${name}" is a ${h.predictor.artifact.task} head, not a ${task} head` }, { issues: [{ path: 'head', message: `a ${h.predictor.artifact.task} head` }] });
      }
      return h.predictor;
    },
    list: (tenant) => {
      const t = tenantOf(tenant);
      return [...heads.values()]
        .filter(({ predictor }) => headVisible(t, predictor.artifact.name))
        .map(({ predictor: { artifact: a }, file }) => ({
          name: a.name,
          type: a.type,
          task: a.task,
          version: a.version,
          features: a.features.length,
          ...(a.labels ? { labels: a.labels } : {}),
          metrics: a.metrics,
          createdAt: a.createdAt,
          file: file === null ? null : path.basename(file),
          ...(t === '*' ? { path: file } : {}),
        }));
    },
    reload,
    refused: (tenant) => {
      const t = tenantOf(tenant);
      return lastRefused.filter((r) => headVisible(t, path.basename(r.file, '.json'))).map((r) => (t === '*' ? { ...r, path: path.join(dir, r.file) } : r));
    },
    close: () => heads.forEach((h) => h.predictor.dispose()),
  };
}
