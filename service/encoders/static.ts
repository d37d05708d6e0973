/**
 * `text/static`: a static token-embedding model the project distils from all-MiniLM-L6-v2
 * (`training/models/distill-static.ts`): one SIF-weighted 256-d vector per WordPiece token, a text's embedding is
 * the mean of its token vectors, L2-normalised. No transformer runs at query time, so it is orders of magnitude
 * faster than MiniLM and a good first-stage or fallback encoder; it knows no word order or context.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { EncodedBatch, Encoder, EncoderSpec } from './types.ts';
import { loadTokenizer, type TextTokenizer } from '../models/tokenizer.ts';
import { strataError } from '../errors.ts';

/** Where and how the distilled table is stored (shared with the distillation script). */
export const STATIC_MODEL = {
  name: 'strata-static-minilm',
  table: 'embeddings.f32',
  meta: 'meta.json',
  format: 'strata-static/1 float32-le [vocab, dim], rows pre-scaled by SIF weight',
  recipe: 'minilm-token-embeddings/pca/sif-v1',
  dim: 256,
} as const;

export interface StaticMeta {
  format: string;
  dim: number;
  vocabSize: number;
  sourceModel: string;
  /** sha256 of `embeddings.f32`. */
  sha256: string;
  created: string;
  /** What the table was made from; the distillation reruns when these change. */
  params: Record<string, unknown>;
  pca?: { explainedVariance: number };
  tokensCounted?: Record<string, number>;
  seconds?: number;
}

export const STATIC_SPEC: EncoderSpec = {
  id: 'text/static',
  modality: 'text',
  dim: STATIC_MODEL.dim,
  version: '1',
  weights: `distilled by strata from sentence-transformers/all-MiniLM-L6-v2 (training/models/distill-static.ts) into <modelsDir>/${STATIC_MODEL.name}`,
  preprocessing: 'BERT uncased WordPiece (MiniLM tokenizer), first 512 tokens, special and unknown tokens skipped; mean of SIF-weighted 256-d PCA token vectors; L2',
};

export interface StaticOptions {
  /** Where prepared models live (`config.modelsDir`); the table is `<modelsDir>/strata-static-minilm/`. */
  modelsDir: string;
  /** Tokens read per text (the rest is ignored and counted as truncated). */
  maxTokens?: number;
  /** Check the table's sha256 against `meta.json` when loading it (~0.1 s for 31 MB). */
  verify?: boolean;
}

interface StaticTable {
  meta: StaticMeta;
  vectors: Float32Array;
  tokenizer: TextTokenizer;
  vocab: Map<string, number>;
  /** Tokens that never contribute: [CLS], [SEP], [PAD], [MASK], [UNK]. */
  skip: Set<number>;
}

const tables = new Map<string, Promise<StaticTable>>();

/**
 * Builds the encoder; fails naming the file when the table is missing, truncated or does not match its tokenizer.
 *
 * @example const enc = await createStaticEncoder({ modelsDir: config.modelsDir });
 *          const batch = await enc.encode(['reset my card PIN']); // batch.dim === 256
 */
export async function createStaticEncoder(options: StaticOptions): Promise<Encoder<string>> {
  const { modelsDir, maxTokens = 512, verify = true } = options;
  const dir = path.join(modelsDir, STATIC_MODEL.name);
  const key = `${dir}|${maxTokens}|${verify}`;
  const table = await loadTable(key, dir, maxTokens, verify);
  const { dim } = table.meta;
  const spec: EncoderSpec = { ...STATIC_SPEC, dim, options: { maxTokens } };
  return {
    spec,
    async encode(inputs: readonly string[]): Promise<EncodedBatch> {
      const vectors = new Float32Array(inputs.length * dim);
      const errors: EncodedBatch['errors'] = [];
      let truncated = 0;
      inputs.forEach((text, index) => {
        if (typeof text !== 'string') {
          errors.push({ index, message: `expected a string, got ${text === null ? 'null' : typeof text}` });
          return;
        }
        const row = table.tokenizer.encode(text);
        if (row.truncated) truncated++;
        embedTokens(table, row.tokens, vectors.subarray(index * dim, (index + 1) * dim));
      });
      return { dim, count: inputs.length, vectors, errors, truncated };
    },
    async dispose() {
      tables.delete(key);
    },
  };
}

/** Sums the (pre-weighted) rows of the tokens into `out` and L2-normalises; no usable token leaves `out` zero. */
function embedTokens(table: StaticTable, tokens: readonly string[], out: Float32Array): void {
  const dim = out.length;
  for (const token of tokens) {
    const id = table.vocab.get(token);
    if (id === undefined || table.skip.has(id)) continue;
    const base = id * dim;
    for (let j = 0; j < dim; j++) out[j]! += table.vectors[base + j]!;
  }
  // The mean and the sum differ by a factor the normalisation removes.
  let norm = 0;
  for (let j = 0; j < dim; j++) norm += out[j]! * out[j]!;
  if (norm === 0) return;
  const inv = 1 / Math.sqrt(norm);
  for (let j = 0; j < dim; j++) out[j] = out[j]! * inv;
}

/** Memoised per folder; a failed load is evicted so the next call retries (e.g. after the distillation ran). */
function loadTable(key: string, dir: string, maxTokens: number, verify: boolean): Promise<StaticTable> {
  let pending = tables.get(key);
  if (!pending) {
    pending = readTable(dir, maxTokens, verify);
    tables.set(key, pending);
    pending.catch(() => tables.delete(key));
  }
  return pending;
}

const HINT = 'Distil it first: `npx tsx training/models/distill-static.ts`.';

async function readTable(dir: string, maxTokens: number, verify: boolean): Promise<StaticTable> {
  const metaFile = path.join(dir, STATIC_MODEL.meta);
  const tableFile = path.join(dir, STATIC_MODEL.table);
  let metaText: string;
  try {
    metaText = await readFile(metaFile, 'utf8');
  } catch {
    throw strataError('model_missing', { dir, missing: STATIC_MODEL.meta, hint: HINT });
  }
  let meta: StaticMeta;
  try {
    meta = JSON.parse(metaText) as StaticMeta;
  } catch (err) {
    throw strataError('model_error', { file: metaFile, reason: `not valid JSON (${(err as Error).message})` });
  }
  if (!(Number.isInteger(meta.dim) && meta.dim > 0 && Number.isInteger(meta.vocabSize) && meta.vocabSize > 0)) {
    throw strataError('model_error', { file: metaFile, reason: 'dim and vocabSize must be positive integers' });
  }
  const expected = meta.vocabSize * meta.dim * 4;
  const size = (await stat(tableFile).catch(() => undefined))?.size;
  if (size === undefined) throw strataError('model_missing', { dir, missing: STATIC_MODEL.table, hint: HINT });
  if (size !== expected) {
    throw strataError('model_error', { file: tableFile, reason: `${size} bytes, expected ${expected} (${meta.vocabSize} tokens x ${meta.dim} float32 from ${STATIC_MODEL.meta}); distil again` });
  }
  const bytes = await readFile(tableFile);
  if (verify) {
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== meta.sha256) throw strataError('model_error', { file: tableFile, reason: `sha256 ${actual} does not match ${STATIC_MODEL.meta} (${meta.sha256}); distil again` });
  }
  // A Float32Array view needs 4-byte alignment; a pooled Buffer may not have it.
  const vectors = bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4) : new Float32Array(Uint8Array.from(bytes).buffer);

  const { vocab, specialIds } = await readStaticVocab(path.join(dir, 'tokenizer.json'));
  if (vocab.size !== meta.vocabSize) {
    throw strataError('model_error', { file: tableFile, reason: `table has ${meta.vocabSize} rows but the tokenizer has ${vocab.size} tokens` });
  }
  const tokenizer = await loadTokenizer(dir, { maxLength: maxTokens + 2 });
  return { meta, vectors, tokenizer, vocab, skip: specialIds };
}

/**
 * The WordPiece vocabulary (token -> row) and the ids of special tokens, from a `tokenizer.json`.
 *
 * @example const { vocab, specialIds } = await readStaticVocab(dir + '/tokenizer.json'); // vocab.get('[CLS]') === 101
 */
export async function readStaticVocab(file: string): Promise<{ vocab: Map<string, number>; specialIds: Set<number> }> {
  let json: { model?: { vocab?: Record<string, number>; unk_token?: string }; added_tokens?: Array<{ id: number; content: string; special?: boolean }> };
  try {
    json = JSON.parse(await readFile(file, 'utf8')) as typeof json;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing) throw strataError('model_missing', { dir: path.dirname(file), missing: path.basename(file), hint: HINT });
    throw strataError('model_error', { file, reason: `cannot read the tokenizer (${(err as Error).message})` });
  }
  const entries = Object.entries(json.model?.vocab ?? {});
  if (entries.length === 0) throw strataError('model_error', { file, reason: 'no WordPiece vocabulary (model.vocab)' });
  const vocab = new Map(entries);
  const ids = new Set(vocab.values());
  if (ids.size !== vocab.size || [...ids].some((id) => !Number.isInteger(id) || id < 0 || id >= vocab.size)) throw strataError('model_error', { file, reason: 'vocabulary ids are not 0..size-1' });
  const specialIds = new Set((json.added_tokens ?? []).filter((t) => t.special).map((t) => t.id));
  const unk = vocab.get(json.model?.unk_token ?? '[UNK]');
  if (unk !== undefined) specialIds.add(unk);
  return { vocab, specialIds };
}
