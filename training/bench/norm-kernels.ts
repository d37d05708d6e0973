/**
 * Why the converter writes residual + LayerNorm as standard ops: onnxruntime's contrib `SkipLayerNormalization`
 * against `Add` + `Add` + `LayerNormalization` (and `LayerNormalization` alone, `Add` alone, `BiasGelu` for scale),
 * each chained 12 times in a one-operator graph over MiniLM's shapes (`[4, rows / 4, 384]`, `[.., 1536]` for GELU),
 * one onnxruntime thread, optimisation level `basic`. Prints ns per element (median of `--runs`) and writes a JSON
 * report.
 *
 *   npx tsx training/bench/norm-kernels.ts [--rows 244] [--runs 5] [--out reports/bench-norm-kernels.json]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { Graph, MS_DOMAIN } from '../../service/models/convert/graph.ts';
import { encodeModel } from '../../service/models/convert/onnx-proto.ts';
import { createRng } from '../eval/stats.ts';
import { median } from './summarise-timings.ts';
import { exitWithHelpIfAsked } from '../script-help.ts';

exitWithHelpIfAsked(import.meta.url);

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '244' },
    runs: { type: 'string', default: '5' },
    out: { type: 'string', default: 'reports/bench-norm-kernels.json' },
  },
});
const HIDDEN = 384;
const INTERMEDIATE = 1536;
const CHAIN = 12;
const rows = Math.max(4, Math.round(Number(args.rows) / 4) * 4);
const rand = createRng(7);
const values = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);

const KINDS = ['SkipLayerNormalization', 'Add + Add + LayerNormalization', 'LayerNormalization', 'Add', 'BiasGelu'] as const;
type Kind = (typeof KINDS)[number];

function model(kind: Kind): Uint8Array {
  const g = new Graph(kind);
  let x = g.input('x', 'float32', [4, 'seq', HIDDEN]);
  const skip = g.input('skip', 'float32', [4, 'seq', HIDDEN]);
  const gamma = g.init('gamma', { dtype: 'float32', dims: [HIDDEN], data: values(HIDDEN) });
  const beta = g.init('beta', { dtype: 'float32', dims: [HIDDEN], data: values(HIDDEN) });
  const bias = g.init('bias', { dtype: 'float32', dims: [HIDDEN], data: values(HIDDEN) });
  const norm = (v: string) => g.op('LayerNormalization', [v, gamma, beta], { axis: { int: -1 }, epsilon: { float: 1e-12 } });
  if (kind === 'BiasGelu') {
    const wide = g.init('wide_bias', { dtype: 'float32', dims: [INTERMEDIATE], data: values(INTERMEDIATE) });
    let y = g.op('Tile', [x, g.int64s([1, 1, INTERMEDIATE / HIDDEN])]);
    for (let i = 0; i < CHAIN; i++) y = g.node('BiasGelu', [y, wide], {}, 1, MS_DOMAIN)[0]!;
    g.output(y, 'y', 'float32', [4, 'seq', INTERMEDIATE]);
  } else {
    for (let i = 0; i < CHAIN; i++) {
      if (kind === 'SkipLayerNormalization') x = g.node('SkipLayerNormalization', [x, skip, gamma, beta, bias], { epsilon: { float: 1e-12 } }, 1, MS_DOMAIN)[0]!;
      else if (kind === 'Add + Add + LayerNormalization') x = norm(g.op('Add', [g.op('Add', [x, skip]), bias]));
      else if (kind === 'LayerNormalization') x = norm(x);
      else x = g.op('Add', [x, skip]);
    }
    g.output(x, 'y', 'float32', [4, 'seq', HIDDEN]);
  }
  return encodeModel(g.toModel({ opset: 17, producer: 'strata-bench', version: '1' }));
}

const sessions = new Map<Kind, ort.InferenceSession>();
for (const kind of KINDS) sessions.set(kind, await ort.InferenceSession.create(model(kind), { intraOpNumThreads: 1, graphOptimizationLevel: 'basic', logSeverityLevel: 3 }));
const dims = [4, rows / 4, HIDDEN];
const feeds = { x: new ort.Tensor('float32', values(rows * HIDDEN), dims), skip: new ort.Tensor('float32', values(rows * HIDDEN), dims) };
const perRun: Record<string, number[]> = Object.fromEntries(KINDS.map((k) => [k, []]));
const repeats = 100;
for (let run = 0; run < Number(args.runs); run++) {
  // Interleaved: every kind once per run, so load changes hit them alike.
  for (const kind of KINDS) {
    const s = sessions.get(kind)!;
    for (let i = 0; i < 10; i++) await s.run(feeds);
    const t = performance.now();
    for (let i = 0; i < repeats; i++) await s.run(feeds);
    const elements = rows * (kind === 'BiasGelu' ? INTERMEDIATE : HIDDEN);
    perRun[kind]!.push(((performance.now() - t) * 1e6) / (repeats * CHAIN * elements));
  }
}
const results = KINDS.map((kind) => ({ kind, nsPerElement: median(perRun[kind]!), runs: perRun[kind]! }));
console.log(`one operator chained ${CHAIN} times over [4, ${rows / 4}, ${HIDDEN}] (GELU: ${INTERMEDIATE} wide), one thread, level basic, load ${os.loadavg()[0]!.toFixed(1)}:`);
for (const r of results) console.log(`  ${r.kind.padEnd(32)} ${r.nsPerElement.toFixed(2)} ns per element`);
const skip = results.find((r) => r.kind === 'SkipLayerNormalization')!.nsPerElement;
const plain = results.find((r) => r.kind === 'Add + Add + LayerNormalization')!.nsPerElement;
console.log(`  SkipLayerNormalization / (Add + Add + LayerNormalization): ${(skip / plain).toFixed(2)}x`);
await mkdir(path.dirname(path.resolve(args.out)), { recursive: true });
await writeFile(args.out, `${JSON.stringify({ date: new Date().toISOString(), onnxruntime: ort.env.versions, rows, loadAverage: os.loadavg(), results }, null, 2)}\n`);
console.log(`report: ${args.out}`);
for (const s of sessions.values()) await s.release();
