import { describe, expect, it } from 'vitest';
import { Graph, MS_DOMAIN } from '../../service/models/convert/graph.ts';
import { addRangeProbes, applyStaticScales, dynamicallyQuantizedInputs, uint8Quantization } from '../../service/models/convert/static-quant.ts';

describe('static activation scales', () => {
  it('covers the range and 0 with uint8, as DynamicQuantizeLinear would', () => {
    expect(uint8Quantization({ min: -1, max: 3 })).toEqual({ scale: 4 / 255, zeroPoint: 64 });
    // A range above 0 still includes 0 (zero point 0), one below it has zero point 255.
    expect(uint8Quantization({ min: 2, max: 5.1 })).toEqual({ scale: 5.1 / 255, zeroPoint: 0 });
    const below = uint8Quantization({ min: -2.55, max: -1 });
    expect(below.scale).toBeCloseTo(0.01, 12);
    expect(below.zeroPoint).toBe(255);
    expect(() => uint8Quantization({ min: Infinity, max: -Infinity })).toThrow(/not finite/);
  });

  it('rewrites each dynamic quantization into QuantizeLinear with constants, and refuses a tensor without a range', () => {
    const build = () => {
      const g = new Graph('toy');
      const x = g.input('x', 'float32', ['batch', 4]);
      const w = g.init('w', { dtype: 'int8', dims: [4, 2], data: Int8Array.of(1, 2, 3, 4, 5, 6, 7, 8) });
      const ws = g.floats([0.1, 0.2], [2]);
      const y = g.node('DynamicQuantizeMatMul', [x, w, ws, ''], {}, 1, MS_DOMAIN)[0]!;
      const [q, s, z] = g.node('DynamicQuantizeLinear', [y], {}, 3) as [string, string, string];
      g.output(g.op('Add', [g.op('Cast', [q], { to: { int: 1 } }), g.op('Mul', [s, g.op('Cast', [z], { to: { int: 1 } })])]), 'out', 'float32', ['batch', 2]);
      return { g, x, y, s, z };
    };
    const { g, x, y, s, z } = build();
    expect(dynamicallyQuantizedInputs(g)).toEqual([x, y]);
    applyStaticScales(g, new Map([[x, { min: -1, max: 1 }], [y, { min: 0, max: 2 }]]));
    const counts = g.opCounts();
    expect(counts).toMatchObject({ QuantizeLinear: 2, MatMulIntegerToFloat: 1, Identity: 3 });
    expect(counts.DynamicQuantizeMatMul).toBeUndefined();
    expect(counts.DynamicQuantizeLinear).toBeUndefined();
    // The scale and zero-point outputs consumers read (QAttention) keep their names.
    const names = g.nodesOf('Identity').flatMap((n) => n.output);
    expect(names).toEqual(expect.arrayContaining([s, z]));
    const missing = build();
    expect(() => applyStaticScales(missing.g, new Map([[missing.x, { min: -1, max: 1 }]]))).toThrow(`no calibrated range for ${missing.y}`);
  });

  it('probes every quantized input with a min and a max output', () => {
    const g = new Graph('probe');
    const x = g.input('x', 'float32', [2]);
    g.output(g.node('DynamicQuantizeLinear', [x], {}, 3)[0]!, 'q', 'uint8', [2]);
    addRangeProbes(g, dynamicallyQuantizedInputs(g));
    expect(g.opCounts()).toMatchObject({ ReduceMin: 1, ReduceMax: 1 });
  });
});
