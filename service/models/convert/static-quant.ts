/**
 * Static activation scales for the fused int8 graph. `DynamicQuantizeMatMul` and `DynamicQuantizeLinear` (before
 * `QAttention`) pick one uint8 scale per ONNX run from the whole input tensor, so a text's int8 vector depended on
 * the texts batched with it (cosine 0.985-0.99 between a title embedded alone and in a run of 16): by-id and inline
 * scores drifted apart and the same request could rank differently. This pass fixes each scale from ranges measured
 * once, at conversion, on `CALIBRATION_TEXTS`: `QuantizeLinear` with a constant scale and zero point, then
 * `MatMulIntegerToFloat` (the same VNNI/AMX kernels) or `QAttention` with those constants. A text's vector then
 * depends on the text only. On MiniLM the calibrated graph stays as close to fp32 as the dynamic one (cosine
 * 0.9929 vs 0.9932 on 512 product titles, 0.9948 vs 0.9952 on 96 abstracts) and is no slower.
 */
import { MS_DOMAIN, type Graph, type GraphNode } from './graph.ts';

/** The range one quantized input took over the calibration runs. */
export interface ActivationRange {
  min: number;
  max: number;
}

/** Graph outputs carrying a probed tensor's minimum and maximum (scalars). */
export const probeOutputs = (tensor: string): [string, string] => [`${tensor}__min`, `${tensor}__max`];

/**
 * The float inputs the graph quantizes at run time (first input of each dynamic quantization node), in order.
 *
 * @example dynamicallyQuantizedInputs(graph) // ['EmbedLayerNormalization_out', 'QAttention_out', ...]
 */
export function dynamicallyQuantizedInputs(graph: Graph): string[] {
  const inputs = [...graph.nodesOf('DynamicQuantizeMatMul'), ...graph.nodesOf('DynamicQuantizeLinear')].map((n) => n.input[0]!);
  return [...new Set(inputs)];
}

/**
 * Adds a `ReduceMin` and a `ReduceMax` output for each tensor (see `probeOutputs`), for calibration runs.
 *
 * @example for (const t of dynamicallyQuantizedInputs(g)) addRangeProbes(g, [t]);
 */
export function addRangeProbes(graph: Graph, tensors: readonly string[]): void {
  for (const t of tensors) {
    const [min, max] = probeOutputs(t);
    graph.output(graph.op('ReduceMin', [t], { keepdims: { int: 0 } }), min, 'float32', []);
    graph.output(graph.op('ReduceMax', [t], { keepdims: { int: 0 } }), max, 'float32', []);
  }
}

/**
 * Asymmetric uint8 parameters covering `range` and 0, as `DynamicQuantizeLinear` computes them from a tensor.
 *
 * @example uint8Quantization({ min: -1, max: 3 }) // { scale: 4 / 255, zeroPoint: 64 }
 */
export function uint8Quantization(range: ActivationRange): { scale: number; zeroPoint: number } {
  // A range never observed (no calibration run) stays at +-Infinity: refuse it rather than fall back to scale 1.
  if (!Number.isFinite(range.min) || !Number.isFinite(range.max)) throw new Error(`activation range is not finite: ${range.min}..${range.max}`);
  const min = Math.min(0, range.min);
  const max = Math.max(0, range.max);
  const scale = max > min ? (max - min) / 255 : 1;
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-min / scale))) };
}

/**
 * Rewrites every dynamic quantization into a static one with the calibrated ranges (one per quantized tensor;
 * a tensor without a range is an error, not a silent fallback).
 *
 * @example applyStaticScales(graph, ranges); graph.opCounts().DynamicQuantizeMatMul // undefined
 */
export function applyStaticScales(graph: Graph, ranges: ReadonlyMap<string, ActivationRange>): void {
  const params = new Map<string, { scale: string; zero: string }>();
  const paramsOf = (tensor: string) => {
    let p = params.get(tensor);
    if (!p) {
      const range = ranges.get(tensor);
      if (!range) throw new Error(`no calibrated range for ${tensor}`);
      const q = uint8Quantization(range);
      p = {
        scale: graph.init(`${tensor}.scale`, { dtype: 'float32', dims: [], data: Float32Array.of(q.scale) }),
        zero: graph.init(`${tensor}.zero_point`, { dtype: 'uint8', dims: [], data: Uint8Array.of(q.zeroPoint) }),
      };
      params.set(tensor, p);
    }
    return p;
  };
  graph.rewrite((n): GraphNode[] | undefined => {
    if (n.opType === 'DynamicQuantizeMatMul') {
      // Inputs: A, B (int8), b_scale, b_zero_point (optional), bias (optional).
      const [a, b, bScale, bZero = '', bias] = n.input as [string, string, string, string?, string?];
      const { scale, zero } = paramsOf(a);
      const quant = graph.detachedNode('QuantizeLinear', [a, scale, zero]);
      const inputs = [quant.output[0]!, b, scale, bScale, zero, bZero, ...(bias ? [bias] : [])];
      return [quant, { ...n, opType: 'MatMulIntegerToFloat', input: inputs, domain: MS_DOMAIN }];
    }
    if (n.opType === 'DynamicQuantizeLinear') {
      // Outputs y, y_scale, y_zero_point: QAttention reads all three.
      const { scale, zero } = paramsOf(n.input[0]!);
      const [y, yScale, yZero] = n.output as [string, string, string];
      return [
        { ...n, opType: 'QuantizeLinear', input: [n.input[0]!, scale, zero], output: [y] },
        // The existing output names stay (consumers read them), so these are built by hand, not `detachedNode`.
        { name: graph.unique('Identity_node'), opType: 'Identity', input: [scale], output: [yScale], attribute: [] },
        { name: graph.unique('Identity_node'), opType: 'Identity', input: [zero], output: [yZero], attribute: [] },
      ];
    }
    return undefined;
  });
}
