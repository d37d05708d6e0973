/**
 * Batch tokenisation for transformer encoders: `tokenizer.json` through `@huggingface/tokenizers`, truncation to
 * the model's maximum length (sentence-transformers' `max_seq_length` first), special tokens from the
 * tokenizer's own post-processor, padding to the batch's longest row, int64 tensors ready for ONNX.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { strataError } from '../errors.ts';

export interface TokenizedBatch {
  batch: number;
  /** Padded length (the longest row). */
  seqLen: number;
  /** Row-major [batch, seqLen] tensors. */
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  /** Real (unpadded) length of each row, special tokens included. */
  lengths: number[];
  /** Indices of the inputs that were cut to `maxLength`. */
  truncated: number[];
}

/** One encoded input before padding. */
export interface TokenRow {
  tokens: string[];
  types: number[];
  truncated: boolean;
}

export interface TextTokenizer {
  /** Maximum tokens per row, special tokens included. */
  readonly maxLength: number;
  /** Tokens without special tokens (for inspection and tests). */
  tokenize(text: string): string[];
  /** One text with special tokens, truncated; `pack` rows into tensors (lets callers group rows by length). */
  encode(text: string): TokenRow;
  /** One (query, document) pair for cross-encoders; the longer side is cut first. */
  encodePair(a: string, b: string): TokenRow;
  pack(rows: readonly TokenRow[]): TokenizedBatch;
  encodeBatch(texts: readonly string[]): TokenizedBatch;
  encodePairs(pairs: ReadonlyArray<readonly [string, string]>): TokenizedBatch;
}

export interface TokenizerOptions {
  /** Overrides the maximum length found in the model folder. */
  maxLength?: number;
}

/** Characters looked at per token of budget before tokenising; doubled until enough tokens are found. */
const CHARS_PER_TOKEN = 24;

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw strataError('model_error', { file, reason: `not valid JSON (${(err as Error).message})` });
  }
}

/**
 * Loads the tokenizer of a model folder (`tokenizer.json`, optional `tokenizer_config.json`,
 * `sentence_bert_config.json` and `config.json` for the maximum length).
 *
 * @example const tok = await loadTokenizer('/cache/models/sentence-transformers/all-MiniLM-L6-v2');
 *          const batch = tok.encodeBatch(['hello world', 'a longer sentence']); // batch.seqLen === 6
 */
export async function loadTokenizer(dir: string, options: TokenizerOptions = {}): Promise<TextTokenizer> {
  const file = path.join(dir, 'tokenizer.json');
  const json = await readJson(file);
  if (!json) throw strataError('model_missing', { dir, missing: 'tokenizer.json', hint: 'Pull or import the model first (`strata models pull|import`).' });
  const tokenizerConfig = (await readJson(path.join(dir, 'tokenizer_config.json'))) ?? {};
  const sbert = await readJson(path.join(dir, 'sentence_bert_config.json'));
  const config = await readJson(path.join(dir, 'config.json'));

  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, tokenizerConfig);
  } catch (err) {
    throw strataError('model_error', { file, reason: `cannot build the tokenizer (${(err as Error).message})` });
  }
  const positions = typeof config?.max_position_embeddings === 'number' ? config.max_position_embeddings : Infinity;
  const modelMax = typeof tokenizerConfig.model_max_length === 'number' && tokenizerConfig.model_max_length < 1e6 ? tokenizerConfig.model_max_length : undefined;
  const declared = options.maxLength ?? (sbert?.max_seq_length as number | undefined) ?? modelMax ?? (Number.isFinite(positions) ? positions : 512);
  const maxLength = Math.min(declared, positions);
  if (!(maxLength >= 2)) throw strataError('model_error', { file, reason: `maximum length ${maxLength} is too small` });

  const padding = json.padding as { pad_id?: number } | null | undefined;
  const model = json.model as { unk_token?: string } | undefined;
  const padId = padding?.pad_id ?? tokenizer.token_to_id('[PAD]') ?? 0;
  const unkId = tokenizer.token_to_id(model?.unk_token ?? '[UNK]') ?? 0;
  return createTextTokenizer(tokenizer, { maxLength, padId, unkId });
}

function createTextTokenizer(tokenizer: Tokenizer, o: { maxLength: number; padId: number; unkId: number }): TextTokenizer {
  const post = tokenizer.post_processor;
  const finish = (a: string[], b: string[] | null): { tokens: string[]; types: number[] } => {
    if (!post) return { tokens: b ? [...a, ...b] : a, types: new Array<number>(a.length + (b?.length ?? 0)).fill(0) };
    const out = post.post_process(a, b, true);
    return { tokens: out.tokens, types: out.token_type_ids ?? new Array<number>(out.tokens.length).fill(0) };
  };
  const specialsSingle = finish([], null).tokens.length;
  const specialsPair = finish([], []).tokens.length;

  /** Content tokens of `text`, at most `limit + 1` of them are guaranteed exact; `more` tells whether any were cut. */
  const contentTokens = (text: string, limit: number): { tokens: string[]; more: boolean } => {
    // Tokenising a 1 MB string to keep 256 tokens wastes seconds: look at a growing prefix, cut at whitespace so
    // no word is split, until it yields more tokens than the budget or covers the whole text.
    for (let chars = Math.max(256, limit * CHARS_PER_TOKEN); ; chars *= 4) {
      if (chars >= text.length) {
        const tokens = tokenizer.tokenize(text);
        return { tokens: tokens.slice(0, limit), more: tokens.length > limit };
      }
      const tokens = tokenizer.tokenize(text.slice(0, cutAt(text, chars)));
      if (tokens.length > limit) return { tokens: tokens.slice(0, limit), more: true };
    }
  };

  const encodeOne = (text: string): TokenRow => {
    const { tokens, more } = contentTokens(text, o.maxLength - specialsSingle);
    return { ...finish(tokens, null), truncated: more };
  };

  const encodePair = (a: string, b: string): TokenRow => {
    const budget = o.maxLength - specialsPair;
    const ta = contentTokens(a, budget);
    const tb = contentTokens(b, budget);
    let [la, lb] = [ta.tokens.length, tb.tokens.length];
    const truncated = ta.more || tb.more || la + lb > budget;
    // Longest-first: trim whichever side is longer, one token at a time (as Hugging Face's LongestFirst does).
    while (la + lb > budget) {
      if (la >= lb) la--;
      else lb--;
    }
    return { ...finish(ta.tokens.slice(0, la), tb.tokens.slice(0, lb)), truncated };
  };

  const pack = (rows: readonly TokenRow[]): TokenizedBatch => {
    const seqLen = Math.max(1, ...rows.map((r) => r.tokens.length));
    const n = rows.length * seqLen;
    const inputIds = new BigInt64Array(n).fill(BigInt(o.padId));
    const attentionMask = new BigInt64Array(n);
    const tokenTypeIds = new BigInt64Array(n);
    rows.forEach((r, i) => {
      r.tokens.forEach((t, j) => {
        inputIds[i * seqLen + j] = BigInt(tokenizer.token_to_id(t) ?? o.unkId);
        attentionMask[i * seqLen + j] = 1n;
        tokenTypeIds[i * seqLen + j] = BigInt(r.types[j] ?? 0);
      });
    });
    const truncated = rows.flatMap((r, i) => (r.truncated ? [i] : []));
    return { batch: rows.length, seqLen, inputIds, attentionMask, tokenTypeIds, lengths: rows.map((r) => r.tokens.length), truncated };
  };

  return {
    maxLength: o.maxLength,
    tokenize: (text) => tokenizer.tokenize(text),
    encode: encodeOne,
    encodePair,
    pack,
    encodeBatch: (texts) => pack(texts.map(encodeOne)),
    encodePairs: (pairs) => pack(pairs.map(([a, b]) => encodePair(a, b))),
  };
}

/** A cut point at or before `chars`, preferably just after whitespace, never inside a surrogate pair. */
function cutAt(text: string, chars: number): number {
  for (let i = chars; i > chars / 2; i--) if (/\s/.test(text[i - 1]!)) return i;
  const code = text.charCodeAt(chars - 1);
  return code >= 0xd800 && code <= 0xdbff ? chars - 1 : chars;
}
