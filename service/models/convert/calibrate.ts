/**
 * Calibration of the int8 graph's activation ranges (see `static-quant.ts`): the dynamically quantized graph, with
 * a min/max probe on every quantized input, runs each calibration input alone; the ranges are the extremes seen.
 * Inputs come from the model's own tokenizer (`CALIBRATION_TEXTS`, as pairs for a cross-encoder); a folder without
 * one (a bare checkpoint, the tests' tiny models) is calibrated on seeded random token ids.
 */
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bertFeeds } from '../bert-feeds.ts';
import { loadSession, releaseSessions } from '../onnx.ts';
import { loadTokenizer, type TokenizedBatch } from '../tokenizer.ts';
import { createRng } from '../../random.ts';
import { CALIBRATION_TEXTS } from './calibration-texts.ts';
import { probeOutputs, type ActivationRange } from './static-quant.ts';

/** Token id batches of one row each, and where they came from (recorded with the conversion). */
export interface CalibrationInputs {
  batches: TokenizedBatch[];
  source: string;
}

/**
 * One single-row batch per calibration text (pairs of a short and a long text for a cross-encoder), or seeded
 * random ids of lengths 8-128 when `dir` has no `tokenizer.json` / `vocab.txt`; rows fit the position table.
 *
 * @example const { batches } = await calibrationInputs(dir, { pairs: false, vocabSize: 30522, maxPositions: 512 });
 */
export async function calibrationInputs(dir: string, { pairs, vocabSize, maxPositions }: { pairs: boolean; vocabSize: number; maxPositions: number }): Promise<CalibrationInputs> {
  // MPNet's positions start past its padding index, so two fewer rows than the table holds.
  const maxLength = Math.max(4, maxPositions - 2);
  const has = async (f: string) => access(path.join(dir, f)).then(() => true, () => false);
  if ((await has('tokenizer.json')) || (await has('vocab.txt'))) {
    const probe = await loadTokenizer(dir);
    const tokenizer = probe.maxLength > maxLength ? await loadTokenizer(dir, { maxLength }) : probe;
    const texts = CALIBRATION_TEXTS;
    const batches = pairs
      ? texts.map((t, i) => tokenizer.encodePairs([[texts[(i * 7) % texts.length]!.slice(0, 80), t]]))
      : texts.map((t) => tokenizer.encodeBatch([t]));
    return { batches, source: `${texts.length} built-in texts${pairs ? ' (as pairs)' : ''}` };
  }
  const next = createRng(7);
  const batches = [8, 16, 32, 64, 128, 24, 48, 96].map((wanted) => {
    const len = Math.min(wanted, maxLength);
    const ids = BigInt64Array.from({ length: len }, () => BigInt(Math.floor(next() * vocabSize)));
    return { batch: 1, seqLen: len, inputIds: ids, attentionMask: new BigInt64Array(len).fill(1n), tokenTypeIds: new BigInt64Array(len), lengths: [len], truncated: [] };
  });
  return { batches, source: `${batches.length} random token sequences (no tokenizer in the folder)` };
}

/**
 * Runs a probed graph (`addRangeProbes`) on each batch and folds the probes into one range per tensor.
 *
 * @example const ranges = await calibrateRanges(bytes, tensors, inputs.batches);
 */
export async function calibrateRanges(modelBytes: Uint8Array, tensors: readonly string[], batches: readonly TokenizedBatch[]): Promise<Map<string, ActivationRange>> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'strata-calibrate-'));
  const file = path.join(tmp, 'probed.onnx');
  try {
    await writeFile(file, modelBytes);
    const session = await loadSession(file, { optimization: 'basic' });
    const ranges = new Map<string, ActivationRange>(tensors.map((t) => [t, { min: Infinity, max: -Infinity }]));
    const outputs = tensors.flatMap(probeOutputs);
    for (const batch of batches) {
      const out = await session.run(bertFeeds(session, batch, 'a calibration run'), outputs);
      for (const t of tensors) {
        const [min, max] = probeOutputs(t).map((o) => Number(out[o]!.data[0]));
        const r = ranges.get(t)!;
        r.min = Math.min(r.min, min!);
        r.max = Math.max(r.max, max!);
      }
    }
    return ranges;
  } finally {
    // Also on a failed run: the session would otherwise hold the probed graph until the process ends.
    await releaseSessions(file);
    await rm(tmp, { recursive: true, force: true });
  }
}
