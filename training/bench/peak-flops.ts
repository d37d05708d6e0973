/**
 * The machine's peak for the kernels MiniLM runs on, measured through onnxruntime itself in the calling process:
 * one large float32 `MatMul` and one int8 `MatMulInteger` (uint8 activations x int8 weights, the VNNI/AMX path),
 * each `[m, k] x [k, n]` with constant weights, one thread. Benchmarks divide their achieved FLOP/s by these.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Graph } from '../../service/models/convert/graph.ts';
import { encodeModel } from '../../service/models/convert/onnx-proto.ts';
import { loadSession, releaseSessions } from '../../service/models/onnx.ts';
import { median } from './summarise-timings.ts';

export interface Peak {
  /** Per wall-clock second (what a user waits for; depressed by other load on the machine). */
  fp32Gflops: number;
  int8Gops: number;
  /** Per CPU second of this process (robust to other load: the figure a quiet machine shows). */
  fp32GflopsCpu: number;
  int8GopsCpu: number;
  shape: [number, number, number];
}

function matmulModel(kind: 'fp32' | 'int8', m: number, k: number, n: number): Uint8Array {
  const g = new Graph(`peak-${kind}`);
  const x = g.input('x', kind === 'fp32' ? 'float32' : 'uint8', [m, k]);
  const w = kind === 'fp32'
    ? g.init('w', { dtype: 'float32', dims: [k, n], data: Float32Array.from({ length: k * n }, (_, i) => ((i * 7919) % 200) / 100 - 1) })
    : g.init('w', { dtype: 'int8', dims: [k, n], data: Int8Array.from({ length: k * n }, (_, i) => ((i * 7919) % 255) - 127) });
  const y = kind === 'fp32' ? g.op('MatMul', [x, w]) : g.op('MatMulInteger', [x, w]);
  g.output(y, 'y', kind === 'fp32' ? 'float32' : 'int32', [m, n]);
  return encodeModel(g.toModel({ opset: 17, producer: 'strata-bench', version: '1' }));
}

/**
 * Median GFLOP/s (fp32) and GOP/s (int8) over `repeats` runs of each product.
 *
 * @example const peak = await measurePeak(); // { fp32Gflops: 120, int8Gops: 700, ... }
 */
export async function measurePeak({ m = 2048, k = 384, n = 1536, repeats = 15 } = {}): Promise<Peak> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-peak-'));
  try {
    const rate = async (kind: 'fp32' | 'int8') => {
      const file = path.join(dir, `${kind}.onnx`);
      await writeFile(file, matmulModel(kind, m, k, n));
      const session = await loadSession(file, { intraOpThreads: 1 });
      const data = kind === 'fp32' ? Float32Array.from({ length: m * k }, (_, i) => ((i * 31) % 100) / 50 - 1) : Uint8Array.from({ length: m * k }, (_, i) => (i * 31) % 256);
      const feeds = { x: { data, dims: [m, k] } };
      await session.run(feeds);
      const seconds: number[] = [];
      const cpuSeconds: number[] = [];
      for (let i = 0; i < repeats; i++) {
        const t = performance.now();
        const c = process.cpuUsage();
        await session.run(feeds);
        const used = process.cpuUsage(c);
        seconds.push((performance.now() - t) / 1000);
        cpuSeconds.push((used.user + used.system) / 1e6);
      }
      await releaseSessions(file);
      // The fastest runs are the least disturbed by other work on a shared machine: take the median of the best half.
      const best = (xs: number[]) => median([...xs].sort((a, b) => a - b).slice(0, Math.ceil(repeats / 2)));
      const ops = 2 * m * k * n;
      return { wall: ops / best(seconds) / 1e9, cpu: ops / best(cpuSeconds) / 1e9 };
    };
    const fp32 = await rate('fp32');
    const int8 = await rate('int8');
    return { fp32Gflops: fp32.wall, int8Gops: int8.wall, fp32GflopsCpu: fp32.cpu, int8GopsCpu: int8.cpu, shape: [m, k, n] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
