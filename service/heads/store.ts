/**
 * The heads the service serves: every `<dir>/<name>.json` artifact, loaded and checked against the assembler.
 * `reload()` is atomic: the new set is built aside and swapped in whole; an artifact that fails to load or
 * check is refused (the error says which file and why) and the previous version of that head keeps serving.
 * Without a trained `default` rerank head, a built-in one stands in (see `builtinRerankHead`).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { checkFeatures, parseArtifact, type HeadArtifact } from './artifact.ts';
import { createPredictor, type HeadPredictor } from './predict.ts';
import { strataError, StrataError } from '../errors.ts';

export interface HeadInfo {
  name: string;
  type: string;
  task: string;
  version: string;
  features: number;
  labels?: string[];
  metrics: Record<string, unknown>;
  createdAt: string;
  file: string | null;
}

export interface HeadStore {
  get(name: string, task?: 'rerank' | 'classify'): HeadPredictor;
  list(): HeadInfo[];
  reload(): Promise<{ loaded: string[]; refused: Array<{ file: string; error: string }> }>;
  /** The artifacts the last load (at open, or the last reload) refused, with the reason. */
  refused(): Array<{ file: string; error: string }>;
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
    if (artifact.task === 'rerank') checkFeatures(artifact, rerankFeatures);
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
    list: () =>
      [...heads.values()].map(({ predictor: { artifact: a }, file }) => ({
        name: a.name,
        type: a.type,
        task: a.task,
        version: a.version,
        features: a.features.length,
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
