/** The inputs of a converted BERT graph, from a packed tokenizer batch (shared by encoders and cross-encoders). */
import type { OnnxSession, TensorInput } from './onnx.ts';
import type { TokenizedBatch } from './tokenizer.ts';
import { strataError } from '../errors.ts';

/**
 * Feeds for the session's declared inputs (`input_ids`, `attention_mask`, `token_type_ids`); a graph asking for
 * anything else is refused, naming its file.
 *
 * @example const out = await session.run(bertFeeds(session, batch, 'a BERT text encoder'), ['sentence_embedding']);
 */
export function bertFeeds(session: OnnxSession, batch: TokenizedBatch, what: string): Record<string, TensorInput> {
  const dims = [batch.batch, batch.seqLen];
  const all: Record<string, TensorInput> = {
    input_ids: { data: batch.inputIds, dims },
    attention_mask: { data: batch.attentionMask, dims },
    token_type_ids: { data: batch.tokenTypeIds, dims },
  };
  const unknown = session.inputNames.filter((n) => !(n in all));
  if (unknown.length) {
    throw strataError('model_error', { file: session.file, reason: `unexpected graph inputs ${unknown.join(', ')} (${what} takes ${Object.keys(all).join(', ')})` });
  }
  return Object.fromEntries(session.inputNames.map((n) => [n, all[n]!]));
}
