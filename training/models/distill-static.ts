/**
 * Distils all-MiniLM-L6-v2 into the static token table `text/static` reads (the Model2Vec recipe):
 *   1. every vocabulary token is embedded once, alone (`[CLS] tok [SEP]`), by the MiniLM ONNX graph;
 *   2. PCA reduces the 384-d outputs to 256 dimensions;
 *   3. each row is scaled by its SIF weight a / (a + p(token)), p estimated from token counts in the SciFact
 *      corpus and the Banking77 training texts (each corpus weighted half, so neither domain dominates),
 *      so that a text's embedding is simply the (weighted) mean of its token rows.
 * Output: `<modelsDir>/strata-static-minilm/` with `embeddings.f32` (float32 little-endian [vocab, 256]), the
 * tokenizer files, and `meta.json` (written last; its `params` decide whether a later run has anything to do).
 *
 *   npx tsx training/models/distill-static.ts [--force] [--threads 2]
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parse as parseCsv } from 'csv-parse';
import { loadConfig, type Config } from '../../service/config.ts';
import { strataError } from '../../service/errors.ts';
import { loadSession, releaseSessions } from '../../service/models/onnx.ts';
import { MINILM, prepareMiniLM } from '../../service/models/prepare-minilm.ts';
import { loadTokenizer } from '../../service/models/tokenizer.ts';
import { readStaticVocab, STATIC_MODEL, type StaticMeta } from '../../service/encoders/static.ts';
import { readBeirCorpus } from '../data/beir.ts';
import { fitPca, projectPca } from './pca.ts';

export interface DistillOptions {
  /** Output dimension after PCA. */
  dim?: number;
  /** SIF smoothing constant: smaller values push frequent tokens further down. */
  sifA?: number;
  /** Folder holding `scifact/` and `banking77/` (token frequencies). */
  dataDir?: string;
  /** Tokens per ONNX run. */
  batchSize?: number;
  intraOpThreads?: number;
  /** Distil again even when the table matches its parameters. */
  force?: boolean;
  log?: (message: string) => void;
}

export interface DistillResult {
  dir: string;
  table: string;
  meta: StaticMeta;
  skipped: boolean;
  seconds: number;
}

const DEFAULT_DATA = path.resolve(import.meta.dirname, '../../../shared/data');

/**
 * Builds the static table once (prepares MiniLM first if needed); returns at once when it is up to date.
 *
 * @example const { table, meta } = await distillStatic(loadConfig(), { log: console.log }); // meta.dim === 256
 */
export async function distillStatic(config: Pick<Config, 'cacheDir' | 'modelsDir'>, options: DistillOptions = {}): Promise<DistillResult> {
  const { dim = 256, sifA = 1e-3, dataDir = DEFAULT_DATA, batchSize = 512, intraOpThreads = 2, force = false, log = () => {} } = options;
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  const dir = path.join(config.modelsDir, STATIC_MODEL.name);
  const table = path.join(dir, STATIC_MODEL.table);

  const minilm = await prepareMiniLM(config, { log });
  const source = minilm.fp32;
  const sourceSha256 = await sha256File(source);
  const corpora = [path.join(dataDir, 'scifact', 'corpus.jsonl'), path.join(dataDir, 'banking77', 'train.csv')];
  const params = { dim, sifA, sourceSha256, corpora: corpora.map((c) => path.relative(dataDir, c)), recipe: STATIC_MODEL.recipe };
  const previous = await readJson<StaticMeta>(path.join(dir, STATIC_MODEL.meta));
  const size = (await stat(table).catch(() => undefined))?.size;
  if (!force && previous && JSON.stringify(previous.params) === JSON.stringify(params) && size === previous.vocabSize * previous.dim * 4) {
    return { dir, table, meta: previous, skipped: true, seconds: seconds() };
  }

  const tokenizerJson = path.join(minilm.dir, 'tokenizer.json');
  const { vocab, specialIds } = await readStaticVocab(tokenizerJson);
  const vocabSize = vocab.size;
  const hidden = MINILM.dim;
  log(`distilling ${MINILM.name} (${source}) into ${dim}-d static vectors for ${vocabSize} tokens`);

  // 1. One MiniLM run per token, many tokens per batch: every row is [CLS] tok [SEP], so nothing is padded.
  const cls = vocab.get('[CLS]');
  const sep = vocab.get('[SEP]');
  if (cls === undefined || sep === undefined) throw strataError('model_error', { file: tokenizerJson, reason: 'no [CLS]/[SEP] tokens in the vocabulary' });
  const session = await loadSession(source, { intraOpThreads });
  const embeddings = new Float32Array(vocabSize * hidden);
  let lastReport = 0;
  for (let start = 0; start < vocabSize; start += batchSize) {
    const n = Math.min(batchSize, vocabSize - start);
    const ids = new BigInt64Array(n * 3);
    for (let i = 0; i < n; i++) ids.set([BigInt(cls), BigInt(start + i), BigInt(sep)], i * 3);
    const feeds = {
      input_ids: { data: ids, dims: [n, 3] },
      attention_mask: { data: new BigInt64Array(n * 3).fill(1n), dims: [n, 3] },
      token_type_ids: { data: new BigInt64Array(n * 3), dims: [n, 3] },
    };
    const out = await session.run(Object.fromEntries(session.inputNames.map((name) => [name, feeds[name as keyof typeof feeds]])), ['sentence_embedding']);
    const data = out.sentence_embedding?.data;
    if (!(data instanceof Float32Array) || data.length !== n * hidden) throw strataError('model_error', { file: source, reason: 'unexpected sentence_embedding output' });
    embeddings.set(data, start * hidden);
    const done = start + n;
    if (done === vocabSize || seconds() - lastReport >= 5) {
      lastReport = seconds();
      const rate = done / lastReport;
      log(`  embedded ${done}/${vocabSize} tokens (${((100 * done) / vocabSize).toFixed(0)} %, ${rate.toFixed(0)} tokens/s, ~${((vocabSize - done) / rate).toFixed(0)} s left)`);
    }
  }
  await releaseSessions(source);

  // 2. PCA.
  log(`  PCA ${hidden} -> ${dim} dims`);
  const pca = fitPca(embeddings, hidden, dim);
  const reduced = projectPca(pca, embeddings);
  log(`  kept ${(100 * pca.explained).toFixed(1)} % of the variance (${seconds().toFixed(1)} s so far)`);

  // 3. SIF weights from token frequencies.
  log(`  counting tokens in ${corpora.join(', ')}`);
  const tokenizer = await loadTokenizer(minilm.dir);
  const probability = new Float64Array(vocabSize);
  const counted: Record<string, number> = {};
  for (const corpus of corpora) {
    const counts = new Float64Array(vocabSize);
    let total = 0;
    for await (const text of readCorpusTexts(corpus)) {
      for (const token of tokenizer.tokenize(text)) {
        const id = vocab.get(token);
        if (id === undefined) continue;
        counts[id]!++;
        total++;
      }
    }
    counted[path.relative(dataDir, corpus)] = total;
    // Add-one smoothing keeps unseen tokens at a small, non-zero probability (so their weight is close to 1).
    for (let id = 0; id < vocabSize; id++) probability[id]! += (counts[id]! + 1) / (total + vocabSize) / corpora.length;
  }
  log(`  counted ${Object.entries(counted).map(([c, t]) => `${t} tokens in ${c}`).join(', ')}`);
  for (let id = 0; id < vocabSize; id++) {
    const weight = specialIds.has(id) ? 0 : sifA / (sifA + probability[id]!);
    for (let j = 0; j < dim; j++) reduced[id * dim + j]! *= weight;
  }

  // Write: table and tokenizer first, meta.json last (it is what marks the folder complete).
  await mkdir(dir, { recursive: true });
  const bytes = Buffer.from(reduced.buffer, reduced.byteOffset, reduced.byteLength);
  const tmp = `${table}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, table);
  for (const file of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) {
    await copyFile(path.join(minilm.dir, file), path.join(dir, file)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT' || file === 'tokenizer.json') throw err;
    });
  }
  const meta: StaticMeta = {
    format: STATIC_MODEL.format,
    dim,
    vocabSize,
    sourceModel: `${MINILM.name} (${path.relative(config.modelsDir, source)}, converted by strata)`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    created: new Date().toISOString(),
    params,
    pca: { explainedVariance: Number(pca.explained.toFixed(6)) },
    tokensCounted: counted,
    seconds: Number(seconds().toFixed(1)),
  };
  const metaTmp = `${tmp}.meta`;
  await writeFile(metaTmp, `${JSON.stringify(meta, null, 2)}\n`);
  await rename(metaTmp, path.join(dir, STATIC_MODEL.meta));
  log(`wrote ${table} (${(bytes.length / 1e6).toFixed(1)} MB) in ${seconds().toFixed(1)} s`);
  return { dir, table, meta, skipped: false, seconds: seconds() };
}

/** Texts of a frequency corpus: BEIR `corpus.jsonl` (title + text) or a CSV with a `text` column. */
async function* readCorpusTexts(file: string): AsyncGenerator<string> {
  if (file.endsWith('.jsonl')) {
    for await (const doc of readBeirCorpus(path.dirname(file))) yield `${doc.title ?? ''} ${doc.text}`;
    return;
  }
  const parser = createReadStream(file).pipe(parseCsv({ columns: true, skip_empty_lines: true }));
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    if (typeof row.text !== 'string') throw strataError('bad_input_file', { reason: `${file}: no "text" column` });
    yield row.text;
  }
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    // Missing or unreadable metadata only means "distil again".
    return undefined;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({ options: { force: { type: 'boolean', default: false }, threads: { type: 'string', default: '2' } } });
  const result = await distillStatic(loadConfig(), { force: values.force, intraOpThreads: Math.max(1, Number(values.threads) || 1), log: (m) => console.log(m) });
  console.log(
    result.skipped
      ? `already distilled: ${result.table} (${result.meta.vocabSize} x ${result.meta.dim}, made in ${result.meta.seconds} s on ${result.meta.created})`
      : `distilled in ${result.seconds.toFixed(1)} s: ${result.table}`,
  );
}
