/**
 * How long `ml-logistic-regression` (batch gradient descent, one-vs-rest, via trainLrHead) takes on a
 * Banking77-shaped problem, measured on a subset and extrapolated (cost is linear in rows, dims, classes and
 * steps), against the softmax trainer on the full shape. Writes `reports/lr-speed.json`.
 *
 *   npx tsx training/bench/lr-speed.ts [--rows 500] [--dims 384] [--classes 77] [--steps 10]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { trainLrHead } from '../heads/train.ts';
import { trainSoftmaxHead } from '../heads/softmax.ts';
import { createRng } from '../eval/stats.ts';
import { exitWithHelpIfAsked } from '../script-help.ts';

exitWithHelpIfAsked(import.meta.url);
const { values: a } = parseArgs({
  options: {
    rows: { type: 'string', default: '500' },
    dims: { type: 'string', default: '384' },
    classes: { type: 'string', default: '77' },
    steps: { type: 'string', default: '10' },
    out: { type: 'string', default: 'reports/lr-speed.json' },
  },
});
const [rows, dims, classes, steps] = [a.rows, a.dims, a.classes, a.steps].map(Number) as [number, number, number, number];
const FULL = { rows: 10_003, dims: 1152, classes: 77, steps: 500 };

function problem(n: number, d: number, k: number) {
  const rand = createRng(7);
  const x = Float32Array.from({ length: n * d }, () => rand() - 0.5);
  const labels = Int32Array.from({ length: n }, (_, i) => i % k);
  const names = Array.from({ length: d }, (_, i) => `f#${i}`);
  const labelNames = Array.from({ length: k }, (_, i) => `c${i}`);
  return { set: { rows: x, n, names, labels }, labelNames };
}

const small = problem(rows, dims, classes);
let t = performance.now();
trainLrHead(small.set, { name: 'speed', task: 'classify', labels: small.labelNames }, { steps });
const mlSeconds = (performance.now() - t) / 1000;
const factor = (FULL.rows / rows) * (FULL.dims / dims) * (FULL.classes / classes) * (FULL.steps / steps);
const extrapolated = mlSeconds * factor;
console.log(`ml-logistic-regression: ${rows} x ${dims} x ${classes} classes, ${steps} steps: ${mlSeconds.toFixed(2)} s`);
console.log(`  extrapolated to ${FULL.rows} x ${FULL.dims} x ${FULL.classes}, ${FULL.steps} steps: ${(extrapolated / 3600).toFixed(1)} h`);

const full = problem(FULL.rows, FULL.dims, FULL.classes);
t = performance.now();
trainSoftmaxHead(full.set, { name: 'speed', task: 'classify', labels: full.labelNames }, { epochs: 1 });
const softmaxEpoch = (performance.now() - t) / 1000;
console.log(`softmax (Adam) on the full shape: ${softmaxEpoch.toFixed(2)} s per epoch`);

await mkdir('reports', { recursive: true });
await writeFile(
  a.out,
  JSON.stringify({ subset: { rows, dims, classes, steps, seconds: mlSeconds }, full: FULL, mlLogisticRegressionExtrapolatedSeconds: extrapolated, softmaxSecondsPerEpochFull: softmaxEpoch, date: new Date().toISOString() }, null, 2),
);
console.log(`report: ${a.out}`);
