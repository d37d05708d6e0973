/**
 * Sentence embeddings from a converted model folder: tokenizer -> ONNX session -> the graph's own pooled,
 * L2-normalised `sentence_embedding`. Inputs are grouped by token length before batching so short texts are
 * not padded to the length of long ones.
 */
import { onnxFile, type OnnxVariant } from './paths.ts';
import { loadSession, releaseSessions, type OnnxSession } from './onnx.ts';
import { loadTokenizer, type TextTokenizer } from './tokenizer.ts';
import { strataError } from '../errors.ts';
import { bertFeeds } from './bert-feeds.ts';
import { ensureCurrentConversion, graphOptimization } from './convert/ensure.ts';
import { readManifest } from './manifest.ts';

export interface TextEmbedderOptions {
  variant?: OnnxVariant;
  intraOpThreads?: number;
  /** Rows per ONNX run. */
  batchSize?: number;
  /**
   * Padded tokens per ONNX run (rows x longest row; a longer row runs alone). Small runs keep every activation
   * in the core's 2 MB L2 cache: on 128 demo products (~62 tokens) per CPU-second, int8 ran 111 items/s with
   * 256-token runs against 75 with 2048, fp32 55 with 512 against 43 (bench:encoders shows the graphs side by side).
   * Long texts (256 tokens) did not care. Default: 256 for int8, 512 for fp32.
   */
  tokenBudget?: number;
  /** Overrides the model folder's maximum sequence length. */
  maxLength?: number;
}

export interface TextEmbedder {
  readonly dim: number;
  readonly maxLength: number;
  readonly file: string;
  /** Row-major `[texts.length, dim]` unit vectors, plus the indices of texts cut to `maxLength`. */
  embed(texts: readonly string[]): Promise<{ vectors: Float32Array; truncated: number[] }>;
  dispose(): Promise<void>;
}

/**
 * Groups positions of length-sorted rows into runs of at most `batchSize` rows and `tokenBudget` padded tokens
 * (a row longer than the budget runs alone).
 *
 * @example tokenBudgetChunks([5, 5, 200, 256], 32, 512) // [[0, 1], [2, 3]]
 */
export function tokenBudgetChunks(sortedLengths: readonly number[], batchSize: number, tokenBudget: number): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  for (let k = 0; k < sortedLengths.length; k++) {
    const longest = sortedLengths[k]!;
    if (current.length > 0 && (current.length >= batchSize || (current.length + 1) * longest > tokenBudget)) {
      chunks.push(current);
      current = [];
    }
    current.push(k);
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/**
 * Loads the tokenizer and the ONNX session of a converted model folder.
 *
 * @example const e = await loadTextEmbedder(dir, { variant: 'int8' });
 *          const { vectors } = await e.embed(['hello world']); // vectors.length === e.dim
 */
export async function loadTextEmbedder(dir: string, options: TextEmbedderOptions = {}): Promise<TextEmbedder> {
  const { variant = 'fp32', intraOpThreads = 1, batchSize = 32, tokenBudget = variant === 'int8' ? 256 : 512, maxLength } = options;
  const file = onnxFile(dir, variant);
  // Graphs written by an older converter are converted again first (same numbers, faster kernels).
  await ensureCurrentConversion(dir, [variant]);
  const [tokenizer, session] = await Promise.all([loadTokenizer(dir, maxLength ? { maxLength } : {}), loadSession(file, { intraOpThreads, optimization: graphOptimization(await readManifest(dir)) })]);
  if (!session.outputNames.includes('sentence_embedding')) {
    throw strataError('model_error', { file, reason: `no "sentence_embedding" output (outputs: ${session.outputNames.join(', ')}); is it a cross-encoder?` });
  }
  // The dimension is whatever the graph produces; one tiny run finds it and proves the session works.
  const probe = await runBatch(session, tokenizer, ['']);
  const dim = probe.length;
  return {
    dim,
    maxLength: tokenizer.maxLength,
    file,
    async embed(texts) {
      const rows = texts.map((t) => tokenizer.encode(t));
      const order = rows.map((_, i) => i).sort((a, b) => rows[a]!.tokens.length - rows[b]!.tokens.length);
      const vectors = new Float32Array(texts.length * dim);
      for (const chunk of tokenBudgetChunks(order.map((i) => rows[i]!.tokens.length), batchSize, tokenBudget)) {
        const ids = chunk.map((k) => order[k]!);
        const out = await run(session, tokenizer.pack(ids.map((i) => rows[i]!)));
        ids.forEach((i, k) => vectors.set(out.subarray(k * dim, (k + 1) * dim), i * dim));
      }
      return { vectors, truncated: rows.flatMap((r, i) => (r.truncated ? [i] : [])) };
    },
    dispose: () => releaseSessions(file),
  };
}

async function runBatch(session: OnnxSession, tokenizer: TextTokenizer, texts: string[]): Promise<Float32Array> {
  return run(session, tokenizer.encodeBatch(texts));
}

async function run(session: OnnxSession, batch: ReturnType<TextTokenizer['pack']>): Promise<Float32Array> {
  const out = await session.run(bertFeeds(session, batch, 'a BERT text encoder'), ['sentence_embedding']);
  const data = out.sentence_embedding?.data;
  if (!(data instanceof Float32Array)) throw strataError('model_error', { file: session.file, reason: 'sentence_embedding is not float32' });
  return data;
}
