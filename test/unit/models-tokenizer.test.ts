import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../service/config.ts';
import { MINILM } from '../../service/models/prepare-minilm.ts';
import { modelDir } from '../../service/models/paths.ts';
import { loadTokenizer, type TokenizedBatch } from '../../service/models/tokenizer.ts';
import { TINY_VOCAB, tinyTokenizerJson } from './models-fixtures.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'strata-tok-'));
  await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson(16)));
  await writeFile(path.join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: 8 }));
  await writeFile(path.join(dir, 'config.json'), JSON.stringify({ max_position_embeddings: 64 }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const row = (b: TokenizedBatch, i: number, t: BigInt64Array = b.inputIds) => [...t.subarray(i * b.seqLen, (i + 1) * b.seqLen)].map(Number);
const id = (token: string) => TINY_VOCAB.indexOf(token);

describe('loadTokenizer (tiny WordPiece tokenizer.json)', () => {
  it('adds [CLS]/[SEP], pads to the longest row and builds the mask', async () => {
    const tok = await loadTokenizer(dir);
    expect(tok.maxLength).toBe(8); // sentence_bert_config wins over tokenizer.json's truncation
    const b = tok.encodeBatch(['The cat sat', 'dogs!']);
    expect(b.seqLen).toBe(5);
    expect(row(b, 0)).toEqual([id('[CLS]'), id('the'), id('cat'), id('sat'), id('[SEP]')]);
    expect(row(b, 1)).toEqual([id('[CLS]'), id('dog'), id('##s'), id('!'), id('[SEP]')]);
    expect(row(b, 1, b.attentionMask)).toEqual([1, 1, 1, 1, 1]);
    const c = tok.encodeBatch(['the cat sat on the mat', 'cat']);
    expect(row(c, 1)).toEqual([id('[CLS]'), id('cat'), id('[SEP]'), 0, 0, 0, 0, 0]);
    expect(row(c, 1, c.attentionMask)).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    expect(c.lengths).toEqual([8, 3]);
    expect(c.truncated).toEqual([]);
  });

  it('truncates at the maximum length, keeps [SEP] last and reports which inputs were cut', async () => {
    const tok = await loadTokenizer(dir);
    const b = tok.encodeBatch(['the cat sat on the mat the dog ran', 'cat']);
    expect(b.seqLen).toBe(8);
    expect(row(b, 0)).toEqual([id('[CLS]'), id('the'), id('cat'), id('sat'), id('on'), id('the'), id('mat'), id('[SEP]')]);
    expect(b.truncated).toEqual([0]);
  });

  it('handles the empty string, emoji, and mixed scripts without throwing', async () => {
    const tok = await loadTokenizer(dir);
    const b = tok.encodeBatch(['', '🍕 cat', '你好 hello мир']);
    expect(row(b, 0).slice(0, 2)).toEqual([id('[CLS]'), id('[SEP]')]);
    expect(row(b, 1).slice(0, 4)).toEqual([id('[CLS]'), id('[UNK]'), id('cat'), id('[SEP]')]);
    expect(row(b, 2).slice(0, 6)).toEqual([id('[CLS]'), id('你'), id('好'), id('hello'), id('[UNK]'), id('[SEP]')]);
  });

  it('cuts a 1 MB string quickly instead of tokenising all of it', async () => {
    const tok = await loadTokenizer(dir, { maxLength: 6 });
    const huge = 'the cat sat on the mat. '.repeat(44_000);
    expect(huge.length).toBeGreaterThan(1_000_000);
    const started = Date.now();
    const b = tok.encodeBatch([huge, '   '.repeat(400_000) + 'cat']);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(b.lengths).toEqual([6, 3]);
    expect(b.truncated).toEqual([0]);
    expect(row(b, 1).slice(0, 3)).toEqual([id('[CLS]'), id('cat'), id('[SEP]')]);
  });

  it('encodes pairs with token types and longest-first truncation', async () => {
    const tok = await loadTokenizer(dir, { maxLength: 9 });
    const b = tok.encodePairs([
      ['cat', 'the dog ran'],
      ['the cat sat on the mat', 'dog ran fast car'],
    ]);
    expect(row(b, 0)).toEqual([id('[CLS]'), id('cat'), id('[SEP]'), id('the'), id('dog'), id('ran'), id('[SEP]'), 0, 0]);
    expect(row(b, 0, b.tokenTypeIds)).toEqual([0, 0, 0, 1, 1, 1, 1, 0, 0]);
    expect(b.lengths[1]).toBe(9);
    expect(row(b, 1)).toEqual([id('[CLS]'), id('the'), id('cat'), id('sat'), id('[SEP]'), id('dog'), id('ran'), id('fast'), id('[SEP]')]);
    expect(b.truncated).toEqual([1]);
  });

  it('names the folder when tokenizer.json is missing', async () => {
    await expect(loadTokenizer(path.join(dir, 'absent'))).rejects.toThrow(/Model files missing in .*absent: tokenizer\.json/);
  });
});

// The real all-MiniLM-L6-v2 tokenizer, once `strata models prepare-minilm` (or the integration setup) has run.
const minilmDir = modelDir(loadConfig().modelsDir, MINILM.name);
const prepared = await access(path.join(minilmDir, 'tokenizer.json')).then(
  () => true,
  () => false,
);
if (!prepared) console.warn(`models-tokenizer: skipping the real MiniLM tokenizer checks: ${minilmDir}/tokenizer.json is absent (run \`strata models prepare-minilm\`)`);

describe.skipIf(!prepared)('loadTokenizer (real all-MiniLM-L6-v2 tokenizer.json)', () => {
  it('produces the standard BERT uncased ids and truncates at 256', async () => {
    const tok = await loadTokenizer(minilmDir);
    expect(tok.maxLength).toBe(256);
    const b = tok.encodeBatch(['Hello world', 'I love 🍕!', 'Hello 中文 мир', '']);
    expect(row(b, 0).slice(0, 4)).toEqual([101, 7592, 2088, 102]);
    expect(row(b, 1).slice(0, 6)).toEqual([101, 1045, 2293, 100, 999, 102]);
    expect(tok.tokenize('Hello 中文 мир')).toEqual(['hello', '中', '文', 'м', '##и', '##р']);
    expect(tok.tokenize('Café naïve')).toEqual(['cafe', 'naive']); // uncased: lower-cased, accents stripped
    expect(row(b, 3).slice(0, 2)).toEqual([101, 102]);
    const long = tok.encodeBatch(['word '.repeat(200_000)]);
    expect(long.seqLen).toBe(256);
    expect(long.truncated).toEqual([0]);
    expect(Number(long.inputIds[255])).toBe(102);
  });
});

describe('tokenBudgetChunks', () => {
  it('keeps runs under the row and padded-token limits, a too-long row alone', async () => {
    const { tokenBudgetChunks } = await import('../../service/models/embed-text.ts');
    // 3 rows x 200 = 600 > 512 splits before the third; 2 x 256 = 512 fits.
    expect(tokenBudgetChunks([5, 5, 200, 256], 32, 512)).toEqual([[0, 1], [2, 3]]);
    expect(tokenBudgetChunks([3, 3, 3, 3, 3], 2, 10_000)).toEqual([[0, 1], [2, 3], [4]]);
    expect(tokenBudgetChunks([600], 32, 512)).toEqual([[0]]);
    expect(tokenBudgetChunks([], 32, 512)).toEqual([]);
  });
});
