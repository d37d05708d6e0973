/**
 * Cross-encoder relevance scores from a converted sequence-classification folder (`strata models convert` of a
 * BertForSequenceClassification checkpoint, whose graph outputs `logits` [batch, labels]). Each (query, document)
 * pair is tokenised as one pair input (`encodePairs`, the longer side cut first to the model's maximum length)
 * and run in batches.
 *
 * Score per document: `logits[:, 0]` when the model has one label (ms-marco style rerankers, a relevance logit),
 * otherwise `logits[:, 1] - logits[:, 0]` (the log-odds of label 1, "relevant", over label 0, for two-label
 * heads; with more labels only the first two are used).
 */
import { onnxFile, type OnnxVariant } from './paths.ts';
import { loadSession, releaseSessions, type OnnxSession } from './onnx.ts';
import { loadTokenizer, type TokenizedBatch } from './tokenizer.ts';
import { strataError } from '../errors.ts';
import { bertFeeds } from './bert-feeds.ts';
import { ensureCurrentConversion, graphOptimization } from './convert/ensure.ts';
import { readManifest } from './manifest.ts';

export interface CrossEncoderOptions {
  variant?: OnnxVariant;
  intraOpThreads?: number;
  /** Pairs per ONNX run. */
  batchSize?: number;
}

export interface CrossEncoder {
  readonly file: string;
  readonly maxLength: number;
  /** One score per document (higher: more relevant to the query), in document order. */
  score(query: string, docs: readonly string[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * Loads the tokenizer and ONNX session of a converted cross-encoder folder; a folder whose graph has no `logits`
 * output (a sentence-embedding model, say) is refused with an error naming it.
 *
 * @example const ce = await loadCrossEncoder(dir, { batchSize: 16 });
 *          const scores = await ce.score('what causes rain', ['Rain forms when...', 'Stock prices...']);
 */
export async function loadCrossEncoder(dir: string, options: CrossEncoderOptions = {}): Promise<CrossEncoder> {
  const { variant = 'fp32', intraOpThreads = 1, batchSize = 16 } = options;
  const file = onnxFile(dir, variant);
  // Graphs written by an older converter are converted again first (same numbers, faster kernels).
  await ensureCurrentConversion(dir, [variant]);
  const [tokenizer, session] = await Promise.all([loadTokenizer(dir), loadSession(file, { intraOpThreads, optimization: graphOptimization(await readManifest(dir)) })]);
  if (!session.outputNames.includes('logits')) {
    throw strataError('model_error', {
      file,
      reason: `${dir} is not a cross-encoder: its graph has no "logits" output (outputs: ${session.outputNames.join(', ')}); a sentence-embedding model cannot score pairs, give a converted BertForSequenceClassification folder`,
    });
  }
  const size = Math.max(1, Math.floor(batchSize));
  return {
    file,
    maxLength: tokenizer.maxLength,
    async score(query, docs) {
      const scores = new Float32Array(docs.length);
      for (let start = 0; start < docs.length; start += size) {
        const chunk = docs.slice(start, start + size);
        const logits = await runLogits(session, tokenizer.encodePairs(chunk.map((d) => [query, d] as const)));
        scores.set(scoresOf(logits.data, logits.labels, chunk.length), start);
      }
      return scores;
    },
    dispose: () => releaseSessions(file),
  };
}

/**
 * Relevance scores from row-major logits `[rows, labels]`: the logit itself with one label, else label 1 minus label 0.
 *
 * @example scoresOf(Float32Array.of(0.2, 1.5, 1, -1), 2, 2) // [1.3, -2]
 */
export function scoresOf(logits: Float32Array, labels: number, rows: number): Float32Array {
  return Float32Array.from({ length: rows }, (_, r) => (labels === 1 ? logits[r]! : logits[r * labels + 1]! - logits[r * labels]!));
}

/**
 * Runs the graph on a packed batch and returns its `logits` with the label count.
 *
 * @example const { data, labels } = await runLogits(session, tokenizer.encodePairs([['q', 'd']]));
 */
export async function runLogits(session: OnnxSession, batch: TokenizedBatch): Promise<{ data: Float32Array; labels: number }> {
  const out = await session.run(bertFeeds(session, batch, 'a BERT cross-encoder'), ['logits']);
  const logits = out.logits;
  if (!logits || !(logits.data instanceof Float32Array)) throw strataError('model_error', { file: session.file, reason: 'logits is not float32' });
  const labels = logits.dims[1] ?? 1;
  if (logits.dims.length !== 2 || logits.dims[0] !== batch.batch || labels < 1) {
    throw strataError('model_error', { file: session.file, reason: `logits have shape [${logits.dims.join(', ')}], expected [${batch.batch}, labels]` });
  }
  return { data: logits.data, labels };
}
