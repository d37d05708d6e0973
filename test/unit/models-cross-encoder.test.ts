import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertModel } from '../../service/models/convert/convert.ts';
import { loadCrossEncoder, runLogits, scoresOf } from '../../service/models/cross-encoder.ts';
import { loadSession } from '../../service/models/onnx.ts';
import { loadTokenizer } from '../../service/models/tokenizer.ts';
import { tinyTokenizerJson, writeTinyBert, type TinyBertOptions } from './models-fixtures.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'strata-cross-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function tinyModel(name: string, opts: TinyBertOptions): Promise<string> {
  const dir = path.join(root, name);
  await writeTinyBert(dir, opts);
  await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(tinyTokenizerJson()));
  await writeFile(path.join(dir, 'tokenizer_config.json'), '{"model_max_length": 12}');
  await convertModel(dir);
  return dir;
}

const QUERY = 'the cat sat';
// The last document is longer than the tiny model's 12 tokens, so the pair is truncated.
const DOCS = ['the cat sat on the mat', 'dog', '', 'hello world !', 'a fast car', 'the dog ran fast on the mat the cat sat on a car playing'];

describe('loadCrossEncoder', () => {
  for (const labels of [1, 2]) {
    it(`scores each document like the session run directly on the same pairs (${labels} label${labels > 1 ? 's' : ''})`, async () => {
      const dir = await tinyModel(`labels-${labels}`, { prefix: true, labels, seed: 7 + labels });
      const ce = await loadCrossEncoder(dir, { batchSize: 4 });
      const scores = await ce.score(QUERY, DOCS);
      expect(scores).toHaveLength(DOCS.length);
      for (const s of scores) expect(Number.isFinite(s)).toBe(true);
      expect(new Set(scores).size).toBeGreaterThan(1);

      const tokenizer = await loadTokenizer(dir);
      const batch = tokenizer.encodePairs(DOCS.map((d) => [QUERY, d] as const));
      expect(batch.truncated).toEqual([DOCS.length - 1]);
      const { data, labels: got } = await runLogits(await loadSession(ce.file), batch);
      expect(got).toBe(labels);
      const expected = DOCS.map((_, r) => (labels === 1 ? data[r]! : data[r * 2 + 1]! - data[r * 2]!));
      const diff = Math.max(...expected.map((e, r) => Math.abs(e - scores[r]!)));
      console.log(`cross-encoder (${labels} labels): max |score - direct logits| ${diff.toExponential(2)}`);
      expect(diff).toBeLessThan(1e-5);
      expect(await ce.score(QUERY, [])).toHaveLength(0);
      await ce.dispose();
    });
  }

  it('refuses a sentence-embedding model (no logits output), naming the folder', async () => {
    const dir = await tinyModel('embedder', { seed: 4 });
    await expect(loadCrossEncoder(dir)).rejects.toThrow(new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*no "logits" output`));
  });

  it('turns logits into scores: the logit with one label, label 1 minus label 0 with two', () => {
    expect([...scoresOf(Float32Array.of(0.5, -2), 1, 2)]).toEqual([0.5, -2]);
    expect([...scoresOf(Float32Array.of(0.25, 1.5, 1, -1), 2, 2)]).toEqual([1.25, -2]);
  });
});
