/**
 * MiniLM's graphs side by side on the same weights, interleaved within each run: the graphs earlier converters
 * wrote (standard ONNX ops, uint8 int8 weights: what plain onnxruntime runs without Strata's fusions, and what
 * `main` served before) against the current ones (onnxruntime contrib kernels, int8 weights). For short texts
 * (demo products, ~40 words) and long ones (SciFact title + abstract, cut at 256 tokens), at batch 1 and 32:
 * items/s and tokens/s per wall-clock second and per CPU second (the latter resists other load on a shared
 * machine), achieved GFLOP/s and its ratio to the peak of one large MatMul measured in the same run.
 */
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { convertModel } from '../../service/models/convert/convert.ts';
import { loadTextEmbedder, type TextEmbedder } from '../../service/models/embed-text.ts';
import { loadTokenizer } from '../../service/models/tokenizer.ts';
import { embeddingText, prepareDocument } from '../../service/indexing/prepare.ts';
import { makeDemoCatalog } from '../demo/make-catalog.ts';
import { readBeirCorpus } from '../data/beir.ts';
import { measurePeak, type Peak } from './peak-flops.ts';
import { rowCosines, summariseCosines } from './compare-embeddings.ts';
import { interleaved, median } from './summarise-timings.ts';

export const GRAPHS = ['main fp32', 'main int8', 'fused fp32', 'fused int8'] as const;
export type GraphName = (typeof GRAPHS)[number];
const CELLS = ['short b1', 'short b32', 'long b1', 'long b32'] as const;
type Cell = (typeof CELLS)[number];

export interface CellFigures {
  itemsPerSec: number;
  tokensPerSec: number;
  itemsPerCpuSec: number;
  gflops: number;
  gflopsCpu: number;
  /** Achieved / peak (fp32 graphs against the fp32 MatMul, int8 ones against the int8 MatMulInteger), wall and CPU. */
  ofPeak: number;
  ofPeakCpu: number;
}

export interface GraphComparison {
  peak: Peak;
  inputs: { short: { texts: number; meanTokens: number }; long: { texts: number; meanTokens: number } };
  figures: Record<GraphName, Record<Cell, CellFigures>>;
  /** Ratios of medians at batch 32 (wall and CPU). */
  ratios: Record<string, { wall: number; cpu: number }>;
  cosine: { fusedInt8VsFp32: { mean: number; min: number }; fusedVsMainFp32MaxAbsDiff: number };
  raw: Record<GraphName, Record<Cell, Array<{ seconds: number; cpuSeconds: number; items: number; tokens: number; flops: number }>>>;
}

/** FLOPs of one MiniLM-shaped forward pass over a text of `tokens` tokens (dense layers + attention). */
export function forwardFlops(tokens: number, { layers = 6, hidden = 384, intermediate = 1536 } = {}): number {
  const dense = 2 * (4 * hidden * hidden + 2 * hidden * intermediate);
  return layers * tokens * (dense + 4 * tokens * hidden);
}

async function shortTexts(count: number): Promise<string[]> {
  return makeDemoCatalog({ count, seed: 42 }).map((d) => embeddingText(prepareDocument(d as never).doc));
}

async function longTexts(scifact: string, count: number): Promise<string[]> {
  const out: string[] = [];
  for await (const d of readBeirCorpus(scifact)) {
    out.push(`${d.title}\n${d.text}`);
    if (out.length >= count) break;
  }
  return out;
}

/** A folder with the model's tokenizer files and the earlier converter's graphs (plain form) under `onnx/`. */
async function baselineFolder(modelDir: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-minilm-main-'));
  for (const f of await readdir(modelDir)) if (/\.(json|txt)$/.test(f) && f !== 'manifest.json') await copyFile(path.join(modelDir, f), path.join(dir, f));
  await convertModel(modelDir, { int8: true, form: 'plain', outDir: path.join(dir, 'onnx') });
  return dir;
}

/**
 * Runs the comparison; `runs` interleaved repetitions, medians reported.
 *
 * @example const c = await compareMiniLMGraphs({ modelDir, scifact: '../shared/data/scifact', runs: 3 });
 */
export async function compareMiniLMGraphs({ modelDir, scifact, runs = 3, log = (_: string) => {} }: { modelDir: string; scifact: string; runs?: number; log?: (m: string) => void }): Promise<GraphComparison> {
  const baseline = await baselineFolder(modelDir);
  try {
    // `main` is what main ran: the plain graphs in runs of up to 2048 padded tokens.
    const embedders: Record<GraphName, TextEmbedder> = {
      'main fp32': await loadTextEmbedder(baseline, { variant: 'fp32', tokenBudget: 2048 }),
      'main int8': await loadTextEmbedder(baseline, { variant: 'int8', tokenBudget: 2048 }),
      'fused fp32': await loadTextEmbedder(modelDir, { variant: 'fp32' }),
      'fused int8': await loadTextEmbedder(modelDir, { variant: 'int8' }),
    };
    const tok = await loadTokenizer(modelDir);
    const sets = { short: await shortTexts(128), long: await longTexts(scifact, 64) };
    const tokens = { short: sets.short.map((t) => tok.encode(t).tokens.length), long: sets.long.map((t) => tok.encode(t).tokens.length) };
    const plan: Record<Cell, { texts: string[]; tokens: number[]; batch: number }> = {
      'short b1': { texts: sets.short.slice(0, 32), tokens: tokens.short.slice(0, 32), batch: 1 },
      'short b32': { texts: sets.short, tokens: tokens.short, batch: 32 },
      'long b1': { texts: sets.long.slice(0, 12), tokens: tokens.long.slice(0, 12), batch: 1 },
      'long b32': { texts: sets.long, tokens: tokens.long, batch: 32 },
    };
    for (const e of Object.values(embedders)) await e.embed(sets.short.slice(0, 32));
    const peaks: Peak[] = [];

    const raw = Object.fromEntries(GRAPHS.map((g) => [g, Object.fromEntries(CELLS.map((c) => [c, [] as GraphComparison['raw'][GraphName][Cell]]))])) as GraphComparison['raw'];
    for (let run = 0; run < runs; run++) {
      const t0 = performance.now();
      // The peak is measured in every run, between the graphs, so a load spike hits both sides alike.
      peaks.push(await measurePeak());
      for (const g of interleaved(GRAPHS, run)) {
        for (const cell of CELLS) {
          const { texts, tokens: lens, batch } = plan[cell];
          const t = performance.now();
          const c = process.cpuUsage();
          for (let i = 0; i < texts.length; i += batch) await embedders[g].embed(texts.slice(i, i + batch));
          const used = process.cpuUsage(c);
          raw[g][cell].push({
            seconds: (performance.now() - t) / 1000,
            cpuSeconds: (used.user + used.system) / 1e6,
            items: texts.length,
            tokens: lens.reduce((a, b) => a + b, 0),
            flops: lens.reduce((a, n) => a + forwardFlops(n), 0),
          });
        }
      }
      log(`graph run ${run + 1}/${runs}: ${((performance.now() - t0) / 1000).toFixed(0)} s (load average ${os.loadavg()[0]!.toFixed(1)})`);
    }

    const peak: Peak = {
      fp32Gflops: median(peaks.map((p) => p.fp32Gflops)),
      int8Gops: median(peaks.map((p) => p.int8Gops)),
      fp32GflopsCpu: median(peaks.map((p) => p.fp32GflopsCpu)),
      int8GopsCpu: median(peaks.map((p) => p.int8GopsCpu)),
      shape: peaks[0]!.shape,
    };
    log(`peak (one thread, median of runs): fp32 MatMul ${peak.fp32Gflops.toFixed(0)} GFLOP/s wall, ${peak.fp32GflopsCpu.toFixed(0)} per CPU-s; int8 MatMulInteger ${peak.int8Gops.toFixed(0)} / ${peak.int8GopsCpu.toFixed(0)} GOP/s`);
    const figures = {} as GraphComparison['figures'];
    for (const g of GRAPHS) {
      figures[g] = {} as Record<Cell, CellFigures>;
      const isInt8 = g.endsWith('int8');
      for (const cell of CELLS) {
        const r = raw[g][cell];
        const wall = median(r.map((x) => x.seconds));
        const cpu = median(r.map((x) => x.cpuSeconds));
        const { items, tokens: tk, flops } = r[0]!;
        const gflops = flops / wall / 1e9;
        const gflopsCpu = flops / cpu / 1e9;
        const peakWall = isInt8 ? peak.int8Gops : peak.fp32Gflops;
        const peakCpu = isInt8 ? peak.int8GopsCpu : peak.fp32GflopsCpu;
        figures[g][cell] = { itemsPerSec: items / wall, tokensPerSec: tk / wall, itemsPerCpuSec: items / cpu, gflops, gflopsCpu, ofPeak: gflops / peakWall, ofPeakCpu: gflopsCpu / peakCpu };
      }
    }
    // Ratios of per-run throughputs (same run, so load changes hit both sides), medians over runs.
    const ratio = (a: GraphName, b: GraphName, cell: Cell) => ({
      wall: median(raw[a][cell].map((x, i) => raw[b][cell][i]!.seconds / x.seconds)),
      cpu: median(raw[a][cell].map((x, i) => raw[b][cell][i]!.cpuSeconds / x.cpuSeconds)),
    });
    const ratios: GraphComparison['ratios'] = {};
    for (const cell of ['short b32', 'long b32', 'short b1', 'long b1'] as const) {
      ratios[`fused int8 / fused fp32, ${cell}`] = ratio('fused int8', 'fused fp32', cell);
      ratios[`fused fp32 / main fp32, ${cell}`] = ratio('fused fp32', 'main fp32', cell);
      ratios[`fused int8 / main fp32, ${cell}`] = ratio('fused int8', 'main fp32', cell);
      ratios[`fused int8 / main int8, ${cell}`] = ratio('fused int8', 'main int8', cell);
    }

    const agreement = [...sets.short.slice(0, 64), ...sets.long];
    const a = (await embedders['fused fp32'].embed(agreement)).vectors;
    const b = (await embedders['fused int8'].embed(agreement)).vectors;
    const m = (await embedders['main fp32'].embed(agreement)).vectors;
    const cos = summariseCosines(rowCosines(a, b, 384));
    let maxAbs = 0;
    for (let i = 0; i < a.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i]! - m[i]!));
    for (const e of Object.values(embedders)) await e.dispose();
    const meanTokens = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    return {
      peak,
      inputs: { short: { texts: sets.short.length, meanTokens: meanTokens(tokens.short) }, long: { texts: sets.long.length, meanTokens: meanTokens(tokens.long) } },
      figures,
      ratios,
      cosine: { fusedInt8VsFp32: { mean: cos.mean, min: cos.min }, fusedVsMainFp32MaxAbsDiff: maxAbs },
      raw,
    };
  } finally {
    await rm(baseline, { recursive: true, force: true });
  }
}

/** The comparison as markdown tables (README). */
export function graphTables(c: GraphComparison): string {
  const f = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    `Inputs: short = ${c.inputs.short.texts} demo products (mean ${f(c.inputs.short.meanTokens)} tokens), long = ${c.inputs.long.texts} SciFact abstracts (mean ${f(c.inputs.long.meanTokens)} tokens). One onnxruntime thread. ` +
      `Peak in this run: fp32 MatMul ${f(c.peak.fp32Gflops, 0)} GFLOP/s (${f(c.peak.fp32GflopsCpu, 0)} per CPU-second), int8 MatMulInteger ${f(c.peak.int8Gops, 0)} GOP/s (${f(c.peak.int8GopsCpu, 0)}).`,
    '',
    '| graph | short b1 items/s | short b32 items/s | short b32 tokens/s | long b1 items/s | long b32 items/s | long b32 tokens/s | b32 GFLOP/s short / long | of peak short / long | per CPU-s: short b32 items, of peak |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const g of GRAPHS) {
    const x = c.figures[g];
    lines.push(
      `| ${g} | ${f(x['short b1'].itemsPerSec)} | ${f(x['short b32'].itemsPerSec)} | ${f(x['short b32'].tokensPerSec, 0)} | ${f(x['long b1'].itemsPerSec)} | ${f(x['long b32'].itemsPerSec)} | ${f(x['long b32'].tokensPerSec, 0)} | ` +
        `${f(x['short b32'].gflops)} / ${f(x['long b32'].gflops)} | ${f(100 * x['short b32'].ofPeak, 0)} % / ${f(100 * x['long b32'].ofPeak, 0)} % | ${f(x['short b32'].itemsPerCpuSec)}, ${f(100 * x['short b32'].ofPeakCpu, 0)} % |`,
    );
  }
  lines.push('', '| ratio (median of per-run ratios) | wall | per CPU-second |', '|---|---:|---:|');
  for (const [name, r] of Object.entries(c.ratios)) lines.push(`| ${name} | ${f(r.wall, 2)}x | ${f(r.cpu, 2)}x |`);
  lines.push(
    '',
    `Agreement: fused int8 vs fused fp32 cosine mean ${c.cosine.fusedInt8VsFp32.mean.toFixed(4)} (min ${c.cosine.fusedInt8VsFp32.min.toFixed(4)}); fused fp32 vs main fp32 max |diff| ${c.cosine.fusedVsMainFp32MaxAbsDiff.toExponential(1)}.`,
  );
  return lines.join('\n');
}
