/**
 * Sentence embeddings from a converted model folder: tokenizer -> ONNX session -> the graph's own pooled,
 * L2-normalised `sentence_embedding`. Inputs are grouped by token length before batching so short texts are
 * not padded to the length of long ones.
 */
import { onnxFile, type OnnxVariant } from './paths.ts';
import { loadSession, releaseSessions, type OnnxSession, type TensorInput } from './onnx.ts';
import { loadTokenizer, type TextTokenizer } from './tokenizer.ts';
import { strataError } from '../errors.ts';

export interface TextEmbedderOptions {
  variant?: OnnxVariant;
  intraOpThreads?: number;
  /** Rows per ONNX run. */
  batchSize?: number;
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
 * Loads the tokenizer and the ONNX session of a converted model folder.
 *
 * @example const e = await loadTextEmbedder(dir, { variant: 'int8' });
 *          const { vectors } = await e.embed(['hello world']); // vectors.length === e.dim
 */
export async function loadTextEmbedder(dir: string, options: TextEmbedderOptions = {}): Promise<TextEmbedder> {
  const { variant = 'fp32', intraOpThreads = 1, batchSize = 32, maxLength } = options;
  const file = onnxFile(dir, variant);
  const [tokenizer, session] = await Promise.all([loadTokenizer(dir, maxLength ? { maxLength } : {}), loadSession(file, { intraOpThreads })]);
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
      for (let start = 0; start < order.length; start += batchSize) {
        const chunk = order.slice(start, start + batchSize);
        const out = await run(session, tokenizer.pack(chunk.map((i) => rows[i]!)));
        chunk.forEach((i, k) => vectors.set(out.subarray(k * dim, (k + 1) * dim), i * dim));
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
  const dims = [batch.batch, batch.seqLen];
  const all: Record<string, TensorInput> = {
    input_ids: { data: batch.inputIds, dims },
    attention_mask: { data: batch.attentionMask, dims },
    token_type_ids: { data: batch.tokenTypeIds, dims },
  };
  const unknown = session.inputNames.filter((n) => !(n in all));
  if (unknown.length) throw strataError('model_error', { file: session.file, reason: `unexpected graph inputs ${unknown.join(', ')} (a BERT text encoder takes ${Object.keys(all).join(', ')})` });
  const feeds = Object.fromEntries(session.inputNames.map((n) => [n, all[n]!]));
  const out = await session.run(feeds, ['sentence_embedding']);
  const data = out.sentence_embedding?.data;
  if (!(data instanceof Float32Array)) throw strataError('model_error', { file: session.file, reason: 'sentence_embedding is not float32' });
  return data;
}
