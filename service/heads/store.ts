/**
 * The heads the service serves: every `<dir>/<name>.json` artifact, loaded and checked against the assembler.
 * `reload()` is atomic: the new set is built aside and swapped in whole; an artifact that fails to load or
 * check is refused (the error says which file and why) and the previous version of that head keeps serving.
 * Without a trained `default` rerank head, a built-in one stands in (see `builtinRerankHead`); likewise
 * `default-inline` for inline documents (see `builtinInlineHead` and heads/view.ts).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArtifact, type HeadArtifact } from './artifact.ts';
import { checkHeadFeatures, headScopes } from './view.ts';
import { createPredictor, type HeadPredictor } from './predict.ts';
import { strataError, StrataError } from '../errors.ts';

export interface HeadInfo {
  name: string;
  type: string;
  task: string;
  version: string;
  features: number;
  /** Rerank heads: `index` or `inline` (see features/scopes.ts). */
  view?: string;
  labels?: string[];
  metrics: Record<string, unknown>;
  createdAt: string;
  file: string | null;
}

export interface HeadStore {
  get(name: string, task?: 'rerank' | 'classify'): HeadPredictor;
  has(name: string): boolean;
  list(): HeadInfo[];
  reload(): Promise<{ loaded: string[]; refused: Array<{ file: string; error: string }> }>;
  /** The artifacts the last load (at open, or the last reload) refused, with the reason. */
  refused(): Array<{ file: string; error: string }>;
  close(): void;
}

/** Hand-set weights of the built-in heads: dense similarity most, then BM25, fused rank and title overlap, then codes. */
function builtinWeight(f: string): number {
  if (f.endsWith(':passage_max')) return 2.5;
  if (f.endsWith(':sim') && f.startsWith('text/')) return 2.5;
  if (f === 'fs:bm25_norm' || f === 'loc:bm25_norm') return 1.5;
  if (f === 'fs:fused_rrank' || f === 'loc:fused_rrank') return 4;
  if (f === 'lex:title_overlap') return 1;
  if (f === 'lex:code_match') return 1.5;
  return 0;
}

function builtinHead(name: string, version: string, view: 'index' | 'inline', features: readonly string[]): HeadArtifact {
  return {
    format: 'strata-head/1',
    type: 'lr',
    name,
    version,
    task: 'rerank',
    view,
    features: [...features],
    scopes: { index: features.filter((f) => f.startsWith('fs:')), request: features.filter((f) => !f.startsWith('fs:')) },
    normalisation: { mean: features.map(() => 0), std: features.map(() => 1) },
    model: { kind: 'sigmoid', weights: [[...features.map(builtinWeight), -3]] },
    metrics: {},
    trainingDataHash: '',
    trainer: 'builtin (hand-set weights; train a head with `strata train rerank`)',
    createdAt: '1970-01-01T00:00:00.000Z',
  };
}

/**
 * A hand-set logistic head over the first-stage and lexical features, used until a `default` head is trained:
 * it trusts dense similarity most, then BM25 and title overlap, then exact code matches. It reads the assembler's
 * features except the request-local first stage (`loc:*`, the inline head's) and interaction features.
 *
 * @example builtinRerankHead(featureNames({ textEncoders: ['text/chargram'] }))
 */
export function builtinRerankHead(features: readonly string[]): HeadArtifact {
  return builtinHead('default', 'builtin-1', 'index', features.filter((f) => !f.startsWith('loc:') && !f.startsWith('ix:')));
}

/**
 * The built-in head for inline documents (`default-inline`, until one is trained with `strata train rerank --view
 * inline`): the same weights on the request-local features, the candidates' own BM25 and fused ranks standing in
 * for Elasticsearch's.
 *
 * @example builtinInlineHead(featureNames({ textEncoders: ['text/minilm'] }))
 */
export function builtinInlineHead(features: readonly string[]): HeadArtifact {
  return builtinHead('default-inline', 'builtin-inline-1', 'inline', features.filter((f) => !f.startsWith('fs:') && !f.startsWith('ix:')));
}

interface Loaded {
  predictor: HeadPredictor;
  file: string | null;
}

/**
 * Opens the head directory (missing is fine: only the built-in head is served).
 *
 * @example const heads = await openHeadStore({ dir: config.headsDir, rerankFeatures: featureNames({ textEncoders }) });
 */
export async function openHeadStore({ dir, rerankFeatures }: { dir: string; rerankFeatures: readonly string[] }): Promise<HeadStore> {
  let heads = new Map<string, Loaded>();
  let lastRefused: Array<{ file: string; error: string }> = [];

  async function loadFile(file: string): Promise<Loaded> {
    const artifact = parseArtifact(await readFile(file, 'utf8'), file);
    if (artifact.task === 'rerank') checkHeadFeatures(artifact, rerankFeatures);
    return { predictor: await createPredictor(artifact), file };
  }

  async function reload() {
    const next = new Map<string, Loaded>();
    const refused: Array<{ file: string; error: string }> = [];
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const name of files.filter((f) => f.endsWith('.json')).sort()) {
      const file = path.join(dir, name);
      try {
        const loaded = await loadFile(file);
        next.set(loaded.predictor.artifact.name, loaded);
      } catch (err) {
        refused.push({ file, error: err instanceof StrataError ? err.message : String(err) });
        // Keep serving what was loaded before under the same name.
        const headName = path.basename(name, '.json');
        const previous = heads.get(headName);
        if (previous) next.set(headName, previous);
      }
    }
    if (!next.has('default')) next.set('default', { predictor: await createPredictor(builtinRerankHead(rerankFeatures)), file: null });
    if (!next.has('default-inline')) next.set('default-inline', { predictor: await createPredictor(builtinInlineHead(rerankFeatures)), file: null });
    const old = heads;
    heads = next;
    for (const [name, h] of old) if (next.get(name) !== h) h.predictor.dispose();
    lastRefused = refused;
    return { loaded: [...next.keys()], refused };
  }

  await reload();
  return {
    get(name, task) {
      const h = heads.get(name);
      if (!h) throw strataError('not_found', { what: `head "${name}" (available: ${[...heads.keys()].join(', ')})` });
      if (task && h.predictor.artifact.task !== task) {
        throw strataError('validation', { summary: `head "${name}" is a ${h.predictor.artifact.task} head, not a ${task} head` });
      }
      return h.predictor;
    },
    has: (name) => heads.has(name),
    list: () =>
      [...heads.values()].map(({ predictor: { artifact: a }, file }) => ({
        name: a.name,
        type: a.type,
        task: a.task,
        version: a.version,
        features: a.features.length,
        ...(a.task === 'rerank' ? { view: headScopes(a).view } : {}),
        ...(a.labels ? { labels: a.labels } : {}),
        metrics: a.metrics,
        createdAt: a.createdAt,
        file,
      })),
    reload,
    refused: () => lastRefused,
    close: () => heads.forEach((h) => h.predictor.dispose()),
  };
}
