/**
 * Dense layers in the graph: float32, or 8-bit weights with activations quantized at run time.
 *
 * Two forms share these helpers (see `transformer-blocks.ts`):
 * - `plain` uses standard ONNX ops only (the reference graph, and what earlier versions of the converter
 *   wrote): `DynamicQuantizeLinear` -> `MatMulInteger` (uint8 weights around 128) -> `Cast` -> `Mul` -> `Add`.
 * - `fused` uses onnxruntime's contrib kernels: `DynamicQuantizeMatMul` with int8 weights, symmetric per output
 *   column (zero point 0). onnxruntime sends uint8 activations x int8 weights to its VNNI/AMX kernels, while
 *   uint8 x uint8 goes to a plain AVX-512 one (~9x slower on this machine for the same matrices); the weights are
 *   the same numbers either way (q - 128 with zero point 0 equals q with zero point 128). The converter then
 *   replaces the dynamic activation scales of the fused form with calibrated constants (`static-quant.ts`).
 */
import { MS_DOMAIN, type Graph } from './graph.ts';

/** `plain`: standard ONNX ops only; `fused`: onnxruntime's contrib operators (com.microsoft). */
export type GraphForm = 'plain' | 'fused';

export interface LinearContext {
  graph: Graph;
  /** Quantize dense layers to 8 bits. */
  quantize: boolean;
  form: GraphForm;
  /** Quantized activations per input value, so Q, K and V share one `DynamicQuantizeLinear` (plain form). */
  quantized: Map<string, string[]>;
  /** Dense layers (by name) left in float32 in an int8 graph, where 8-bit activations lose too much. */
  keepFloat?: (name: string) => boolean;
}

/** Transposes a Hugging Face linear weight `[out, in]` into the `[in, out]` layout MatMul wants. */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c]!;
  return t;
}

/**
 * Symmetric per-column quantization of a `[inDim, outDim]` matrix to int8 in [-127, 127].
 *
 * @example const { q, scale } = quantizeColumns(wt, 384, 1536); // w ≈ q * scale[col]
 */
export function quantizeColumns(wt: Float32Array, inDim: number, outDim: number): { q: Int8Array; scale: Float32Array } {
  const scale = new Float32Array(outDim);
  for (let c = 0; c < outDim; c++) {
    let max = 0;
    for (let r = 0; r < inDim; r++) max = Math.max(max, Math.abs(wt[r * outDim + c]!));
    scale[c] = max > 0 ? max / 127 : 1;
  }
  const q = new Int8Array(wt.length);
  for (let r = 0; r < inDim; r++) {
    for (let c = 0; c < outDim; c++) {
      const v = Math.round(wt[r * outDim + c]! / scale[c]!);
      q[r * outDim + c] = Math.max(-127, Math.min(127, v));
    }
  }
  return { q, scale };
}

/**
 * Concatenates `[in, out_i]` matrices along the output axis (e.g. Q, K and V into one `[in, 3 * hidden]`).
 *
 * @example concatColumns([wq, wk, wv], 384) // Float32Array of 384 x 1152
 */
export function concatColumns(parts: readonly Float32Array[], inDim: number): Float32Array {
  const widths = parts.map((p) => p.length / inDim);
  const total = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(inDim * total);
  for (let r = 0; r < inDim; r++) {
    let offset = r * total;
    parts.forEach((p, i) => {
      out.set(p.subarray(r * widths[i]!, (r + 1) * widths[i]!), offset);
      offset += widths[i]!;
    });
  }
  return out;
}

/**
 * Adds `y = x @ wt (+ b)` for a weight already in `[inDim, outDim]` layout; returns `y`'s name. Without `b` the
 * caller folds the bias into the next fused op (SkipLayerNormalization, BiasGelu).
 *
 * @example const y = matmul(ctx, x, transpose(w, 1536, 384), 384, 1536, 'layer0.intermediate', bias);
 */
export function matmul(ctx: LinearContext, x: string, wt: Float32Array, inDim: number, outDim: number, name: string, b?: Float32Array): string {
  const g = ctx.graph;
  const bias = b ? g.init(`${name}.bias`, { dtype: 'float32', dims: [outDim], data: b }) : undefined;
  if (!ctx.quantize || ctx.keepFloat?.(name)) {
    const weight = g.init(`${name}.weight`, { dtype: 'float32', dims: [inDim, outDim], data: wt });
    const y = g.op('MatMul', [x, weight]);
    return bias ? g.op('Add', [y, bias]) : y;
  }
  const { q, scale } = quantizeColumns(wt, inDim, outDim);
  const wScale = g.init(`${name}.weight_scale`, { dtype: 'float32', dims: [outDim], data: scale });
  if (ctx.form === 'fused') {
    const weight = g.init(`${name}.weight_quantized`, { dtype: 'int8', dims: [inDim, outDim], data: q });
    return g.node('DynamicQuantizeMatMul', [x, weight, wScale, '', ...(bias ? [bias] : [])], {}, 1, MS_DOMAIN)[0]!;
  }
  // Plain form: uint8 weights around 128, exactly what earlier converters wrote (the benchmarks' baseline).
  let xq = ctx.quantized.get(x);
  if (!xq) {
    xq = g.node('DynamicQuantizeLinear', [x], {}, 3);
    ctx.quantized.set(x, xq);
  }
  const [xQuant, xScale, xZero] = xq as [string, string, string];
  const weight = g.init(`${name}.weight_quantized`, { dtype: 'uint8', dims: [inDim, outDim], data: Uint8Array.from(q, (v) => v + 128) });
  const wZero = g.init(`${name}.weight_zero_point`, { dtype: 'uint8', dims: [], data: Uint8Array.of(128) });
  const acc = g.op('MatMulInteger', [xQuant, weight, xZero, wZero]);
  const accF = g.op('Cast', [acc], { to: { int: 1 } });
  const y = g.op('Mul', [accF, g.op('Mul', [xScale, wScale])]);
  return bias ? g.op('Add', [y, bias]) : y;
}

/**
 * Adds `y = x @ w^T + b` for a Hugging Face weight `w` of shape `[outDim, inDim]`; returns `y`'s name.
 *
 * @example const q = linear(ctx, x, wq, bq, 384, 384, 'layer0.query');
 */
export function linear(ctx: LinearContext, x: string, w: Float32Array, b: Float32Array, inDim: number, outDim: number, name: string): string {
  return matmul(ctx, x, transpose(w, outDim, inDim), inDim, outDim, name, b);
}
