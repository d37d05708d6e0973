/**
 * Every CLI verb, listed in one place with a one-line summary and a loader. A verb's module (and what it imports:
 * the Elasticsearch client, onnxruntime, sharp, ...) is loaded only when that verb runs or its own `--help` is
 * asked for, so `strata --help` and `strata --version` start in a fraction of a second.
 *
 * @example
 *   const verb = findVerb('index');
 *   (await verb!.load()).register(program, loadConfig());
 */
import type { Command } from 'commander';
import type { Config } from '../../config.ts';

/** What each verb module exports. */
export interface VerbModule {
  register(program: Command, config: Config): void;
}

export interface Verb {
  name: string;
  /** Shown by `strata --help`; the module's own `.description()` is shown by `strata <verb> --help`. */
  summary: string;
  load(): Promise<VerbModule>;
}

export const VERBS: readonly Verb[] = [
  { name: 'es', summary: 'a local Elasticsearch for development and tests (start|stop|status|logs)', load: () => import('./es.ts') },
  { name: 'index', summary: 'index a catalog file (.jsonl or .csv) into Elasticsearch', load: () => import('./index-catalog.ts') },
  { name: 'serve', summary: 'start the Strata HTTP service', load: () => import('./serve.ts') },
  { name: 'up', summary: 'start Elasticsearch and the service, and load the demo catalog (what `npm start` runs)', load: () => import('./up.ts') },
  { name: 'models', summary: 'transformer models: download, import, convert to ONNX (pull|import|convert|prepare-minilm|list)', load: () => import('./models.ts') },
  { name: 'train', summary: 'train heads (rerank from judgments, classify from labelled texts)', load: () => import('./train.ts') },
  { name: 'eval', summary: 'evaluate retrieval/rerank systems and classification heads', load: () => import('./eval.ts') },
  { name: 'synth', summary: 'synthetic judgments: pseudo-queries from documents, labelled by a teacher', load: () => import('./synth.ts') },
  { name: 'data-quality', summary: 'duplicates, empty fields, encoding problems, outliers, judgment coverage', load: () => import('./data-quality.ts') },
];

/** The verb called `name`, if there is one. */
export function findVerb(name: string | undefined): Verb | undefined {
  return VERBS.find((v) => v.name === name);
}
