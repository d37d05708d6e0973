/**
 * Dense layers in the graph, float32 or dynamically quantized to 8 bits.
 *
 * The int8 form uses standard ONNX ops only: `DynamicQuantizeLinear` turns the activations into uint8 with a
 * per-tensor scale and zero point computed at run time; weights are quantized once here, symmetric per output
 * column, and stored as uint8 with zero point 128 (u8 x u8 kernels accumulate exactly in int32 on every x86
 * CPU, whereas u8 x s8 can saturate 16-bit intermediates on CPUs without VNNI); `MatMulInteger` accumulates in
 * int32, then one multiply by (activation scale x column scale) returns to float.
 */
import type { Graph } from './graph.ts';

/** Transposes a Hugging Face linear weight `[out, in]` into the `[in, out]` layout MatMul wants. */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c]!;
  return t;
}

/**
 * Symmetric per-column quantization of a `[inDim, outDim]` matrix to uint8 around 128.
 *
 * @example const { q, scale } = quantizeColumns(wt, 384, 1536); // w ≈ (q - 128) * scale[col]
 */
export function quantizeColumns(wt: Float32Array, inDim: number, outDim: number): { q: Uint8Array; scale: Float32Array } {
  const scale = new Float32Array(outDim);
  for (let c = 0; c < outDim; c++) {
    let max = 0;
    for (let r = 0; r < inDim; r++) max = Math.max(max, Math.abs(wt[r * outDim + c]!));
    scale[c] = max > 0 ? max / 127 : 1;
  }
  const q = new Uint8Array(wt.length);
  for (let r = 0; r < inDim; r++) {
    for (let c = 0; c < outDim; c++) {
      const v = Math.round(wt[r * outDim + c]! / scale[c]!);
      q[r * outDim + c] = Math.max(-127, Math.min(127, v)) + 128;
    }
  }
  return { q, scale };
}

export interface LinearContext {
  graph: Graph;
  quantize: boolean;
  /** Quantized activations per input value, so Q, K and V share one `DynamicQuantizeLinear`. */
  quantized: Map<string, string[]>;
}

/**
 * Adds `y = x @ w^T + b` for a Hugging Face weight `w` of shape `[outDim, inDim]`; returns `y`'s name.
 *
 * @example const q = linear(ctx, x, wq, bq, 384, 384, 'layer0.query');
 */
export function linear(ctx: LinearContext, x: string, w: Float32Array, b: Float32Array, inDim: number, outDim: number, name: string): string {
  const g = ctx.graph;
  const wt = transpose(w, outDim, inDim);
  const bias = g.init(`${name}.bias`, { dtype: 'float32', dims: [outDim], data: b });
  if (!ctx.quantize) {
    const weight = g.init(`${name}.weight`, { dtype: 'float32', dims: [inDim, outDim], data: wt });
    return g.op('Add', [g.op('MatMul', [x, weight]), bias]);
  }
  let xq = ctx.quantized.get(x);
  if (!xq) {
    xq = g.node('DynamicQuantizeLinear', [x], {}, 3);
    ctx.quantized.set(x, xq);
  }
  const [xQuant, xScale, xZero] = xq as [string, string, string];
  const { q, scale } = quantizeColumns(wt, inDim, outDim);
  const weight = g.init(`${name}.weight_quantized`, { dtype: 'uint8', dims: [inDim, outDim], data: q });
  const wZero = g.init(`${name}.weight_zero_point`, { dtype: 'uint8', dims: [], data: Uint8Array.of(128) });
  const wScale = g.init(`${name}.weight_scale`, { dtype: 'float32', dims: [outDim], data: scale });
  const acc = g.op('MatMulInteger', [xQuant, weight, xZero, wZero]);
  const accF = g.op('Cast', [acc], { to: { int: 1 } });
  const combined = g.op('Mul', [xScale, wScale]);
  return g.op('Add', [g.op('Mul', [accF, combined]), bias]);
}
