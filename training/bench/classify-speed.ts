/**
 * Where the classify LR trainer's time goes, on the real Banking77 embeddings (cached): the earlier recipe
 * (mini-batch Adam on standardised features, `training/heads/softmax.ts`, measured over a few epochs and scaled to
 * its 30) against the L-BFGS fit of the block-weighted head (`lbfgs-softmax.ts`, the final fit of `train classify`
 * without its selection), with wall and CPU seconds of each (on a shared machine the difference is time spent
 * waiting for a core) and the test accuracy; and the dense kernel alone, one dot product at a time vs
 * register-blocked. Writes `reports/classify-speed.json`.
 *
 *   npx tsx training/bench/classify-speed.ts [--encoders text/minilm] [--adam-epochs 3] [--lbfgs-iter 60]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../service/config.ts';
import { encoderSpec } from '../../service/encoders/registry.ts';
import { linearPredict, standardise } from '../../service/heads/predict.ts';
import { accuracyOf, columnMeans, normaliseBlocks } from '../classify/block-lr.ts';
import { fitLbfgsSoftmax, logits } from '../classify/lbfgs-softmax.ts';
import { dotRows } from '../classify/matmul.ts';
import { embedLabelled, labelIndex } from '../classify/train-classify.ts';
import { readLabelled } from '../data/labelled.ts';
import { argmaxRows } from '../eval/classify-metrics.ts';
import { normalisationOf } from '../heads/train.ts';
import { fitSoftmax } from '../heads/softmax.ts';
import { writeReport } from '../report/write.ts';
import { list, openRuntime } from '../runtime.ts';
import { exitWithHelpIfAsked } from '../script-help.ts';

exitWithHelpIfAsked(import.meta.url);
const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../../shared/data/banking77') },
    encoders: { type: 'string', default: 'text/minilm' },
    'adam-epochs': { type: 'string', default: '3' },
    'lbfgs-iter': { type: 'string', default: '60' },
    'report-dir': { type: 'string', default: 'reports' },
  },
});
const config = loadConfig();
const encoders = list(a.encoders);
const train = await readLabelled(path.join(a.data, 'train.csv'), { labelCol: 'category' });
const test = await readLabelled(path.join(a.data, 'test.csv'), { labelCol: 'category' });
const { labels, index } = labelIndex(train, test);
const y = Int32Array.from(train, (r) => index.get(r.label)!);
const yt = Int32Array.from(test, (r) => index.get(r.label)!);
const rt = openRuntime(config, { es: false });
const x = await embedLabelled(rt.pool, train, encoders, { cacheDir: config.cacheDir });
const xt = await embedLabelled(rt.pool, test, encoders, { cacheDir: config.cacheDir });
await rt.close();
const n = x.n;
const d = x.names.length;
const k = labels.length;

function measure<T>(fn: () => T): { value: T; wall: number; cpu: number } {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = fn();
  const c = process.cpuUsage(c0);
  return { value, wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
}

// The earlier recipe: standardise, then `epochs` of mini-batch Adam (30 in `train classify --recipe adam`).
const epochs = Number(a['adam-epochs']);
const norm = normalisationOf(x.rows, n, d);
const xs = standardise(x.rows.slice(0, n * d), n, norm.mean, norm.std);
const adam = measure(() => fitSoftmax(xs, n, d, y, k, { epochs, learningRate: 0.001 }));
const adamAccuracy = (() => {
  const p = linearPredict({ kind: 'softmax', weights: adam.value.map((r) => Array.from(r)) }, standardise(xt.rows.slice(0, xt.n * d), xt.n, norm.mean, norm.std), xt.n);
  const pred = argmaxRows(p, xt.n, k);
  return pred.reduce((s, v, i) => s + (v === yt[i] ? 1 : 0), 0) / xt.n;
})();
const adamMacs = 2 * epochs * n * d * k;

// The block-weighted head's final fit (weights 1 per block, C = 30), L-BFGS.
const blocks = encoders.map((e) => encoderSpec(e).dim);
const mean = columnMeans(x.rows, n, d);
const z = normaliseBlocks(x.rows, n, blocks, mean, blocks.map(() => 1));
const iterations = Number(a['lbfgs-iter']);
const lbfgs = measure(() => fitLbfgsSoftmax(z, n, d, y, k, { c: 30, maxIter: iterations }));
const lbfgsAccuracy = accuracyOf(logits(lbfgs.value, normaliseBlocks(xt.rows, xt.n, blocks, mean, blocks.map(() => 1)), xt.n, d, k), yt, k);

// The kernel alone: logits of 2,000 rows, one dot product at a time vs dotRows.
const m = Math.min(2000, n);
const w = Float64Array.from({ length: k * (d + 1) }, (_, i) => Math.sin(i));
const plain = measure(() => {
  const out = new Float64Array(m * k);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < k; c++) {
      let t = w[c * (d + 1) + d]!;
      for (let j = 0; j < d; j++) t += w[c * (d + 1) + j]! * z[r * d + j]!;
      out[r * k + c] = t;
    }
  }
  return out;
});
const blocked = measure(() => dotRows(z, m, d, w, k, d + 1));
const gmacs = (t: { cpu: number }) => (m * d * k) / t.cpu / 1e9;

const result = {
  shape: { rows: n, dims: d, classes: k, encoders },
  adam: { epochs, scaledTo30: { wall: (adam.wall * 30) / epochs, cpu: (adam.cpu * 30) / epochs }, wall: adam.wall, cpu: adam.cpu, gmacPerCpuSecond: adamMacs / adam.cpu / 1e9, testAccuracy: adamAccuracy },
  lbfgs: { iterations, c: 30, wall: lbfgs.wall, cpu: lbfgs.cpu, testAccuracy: lbfgsAccuracy },
  kernel: { rows: m, plainGmacPerCpuSecond: gmacs(plain), blockedGmacPerCpuSecond: gmacs(blocked) },
  date: new Date().toISOString(),
};
const lines = [
  `${n} x ${d} x ${k} classes (${encoders.join(' + ')})`,
  `Adam, ${epochs} epochs: ${adam.wall.toFixed(1)} s wall, ${adam.cpu.toFixed(1)} s CPU (${result.adam.gmacPerCpuSecond.toFixed(2)} GMAC per CPU s); 30 epochs ~ ${result.adam.scaledTo30.cpu.toFixed(0)} s CPU; test accuracy after ${epochs} epochs ${(adamAccuracy * 100).toFixed(2)} %`,
  `L-BFGS, ${iterations} iterations: ${lbfgs.wall.toFixed(1)} s wall, ${lbfgs.cpu.toFixed(1)} s CPU; test accuracy ${(lbfgsAccuracy * 100).toFixed(2)} %`,
  `kernel: ${result.kernel.plainGmacPerCpuSecond.toFixed(2)} GMAC per CPU s one dot at a time, ${result.kernel.blockedGmacPerCpuSecond.toFixed(2)} blocked`,
];
console.log(lines.join('\n'));
for (const f of await writeReport(a['report-dir'], `classify-speed-${encoders.map((e) => e.replace('text/', '')).join('+')}`, result, `# classify LR trainer speed\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`)) console.error(`report: ${f}`);
