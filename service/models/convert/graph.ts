/**
 * A small ONNX graph builder: named inputs and outputs, initializers stored as raw little-endian bytes, nodes
 * with typed attributes, unique value names. `toModel()` yields the plain message `encodeModel()` serialises.
 */
import { ATTR_TYPE, DATA_TYPE, type ElemType, type ModelMessage } from './onnx-proto.ts';

export type Attr = { int: number } | { float: number } | { ints: number[] } | { floats: number[] } | { string: string };

export type TensorValues = Float32Array | BigInt64Array | Int32Array | Int8Array | Uint8Array;

/** onnxruntime's contrib operator domain (Attention, SkipLayerNormalization, DynamicQuantizeMatMul, ...). */
export const MS_DOMAIN = 'com.microsoft';

export interface Tensor {
  dtype: ElemType;
  dims: number[];
  data: TensorValues;
}

/** A dimension is a fixed size or a symbolic name (`batch`, `sequence`). */
export type Dim = number | string;

interface ValueInfo {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: Array<{ dimValue: number } | { dimParam: string }> } } };
}

function valueInfo(name: string, dtype: ElemType, dims: Dim[]): ValueInfo {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: DATA_TYPE[dtype], shape: { dim } } } };
}

function attribute(name: string, a: Attr) {
  if ('int' in a) return { name, type: ATTR_TYPE.INT, i: a.int };
  if ('float' in a) return { name, type: ATTR_TYPE.FLOAT, f: a.float };
  if ('ints' in a) return { name, type: ATTR_TYPE.INTS, ints: a.ints };
  if ('floats' in a) return { name, type: ATTR_TYPE.FLOATS, floats: a.floats };
  return { name, type: ATTR_TYPE.STRING, s: Buffer.from(a.string, 'utf8') };
}

/** A node as the graph holds it (the `NodeProto` fields `toModel` writes). */
export interface GraphNode {
  name: string;
  opType: string;
  input: string[];
  output: string[];
  attribute: unknown[];
  domain?: string;
}

export class Graph {
  private nodes: GraphNode[] = [];
  private readonly initializers: unknown[] = [];
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly used = new Set<string>();
  private readonly constants = new Map<string, string>();
  /** Operator domains other than the default one that nodes use (each needs an opset import). */
  private readonly domains = new Set<string>();
  private counter = 0;
  /** Bytes held in initializers (for reporting the model size). */
  weightBytes = 0;

  constructor(readonly name: string) {}

  /** Returns `hint` if free, else `hint_N`; reserves the name. */
  unique(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  input(name: string, dtype: ElemType, dims: Dim[]): string {
    const unique = this.unique(name);
    this.inputs.push(valueInfo(unique, dtype, dims));
    return unique;
  }

  /** Declares `value` as a graph output named `name` (an Identity node renames it when needed). */
  output(value: string, name: string, dtype: ElemType, dims: Dim[]): void {
    if (value !== name) this.node('Identity', [value], {}, [name]);
    this.outputs.push(valueInfo(name, dtype, dims));
  }

  /** Adds an initializer; returns its (unique) name. */
  init(hint: string, t: Tensor): string {
    const name = this.unique(hint);
    const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    this.initializers.push({ name, dims: t.dims, dataType: DATA_TYPE[t.dtype], rawData: raw });
    this.weightBytes += raw.byteLength;
    return name;
  }

  /** A shared float32 constant (scalar when `dims` is empty). */
  floats(values: number[], dims: number[] = []): string {
    return this.constant('float32', values, dims, () => Float32Array.from(values));
  }

  /** A shared int64 constant, e.g. axes or shapes. */
  int64s(values: number[], dims: number[] = [values.length]): string {
    return this.constant('int64', values, dims, () => BigInt64Array.from(values.map(BigInt)));
  }

  private constant(dtype: ElemType, values: number[], dims: number[], make: () => TensorValues): string {
    const key = `${dtype}:${dims.join('x')}:${values.join(',')}`;
    let name = this.constants.get(key);
    if (!name) {
      name = this.init(`const_${dtype}`, { dtype, dims, data: make() });
      this.constants.set(key, name);
    }
    return name;
  }

  /**
   * Adds a node; returns its output names (fresh unless given). An empty input name skips an optional input;
   * `domain` places the node in another operator set (e.g. `MS_DOMAIN`).
   */
  node(op: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs: number | string[] = 1, domain = ''): string[] {
    const made = this.detachedNode(op, inputs, attrs, outputs, domain);
    this.nodes.push(made);
    return made.output;
  }

  /** A node with fresh names, not yet placed in the graph (for `rewrite`). */
  detachedNode(op: string, inputs: string[], attrs: Record<string, Attr> = {}, outputs: number | string[] = 1, domain = ''): GraphNode {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.unique(`${op}_out`)) : outputs.map((o) => this.unique(o));
    if (domain) this.domains.add(domain);
    return {
      name: this.unique(`${op}_node`),
      opType: op,
      input: inputs,
      output: outs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      ...(domain ? { domain } : {}),
    };
  }

  /** The nodes of one operator type, in graph order. */
  nodesOf(op: string): ReadonlyArray<Readonly<GraphNode>> {
    return this.nodes.filter((n) => n.opType === op);
  }

  /**
   * Replaces each node by the nodes `fn` returns for it (kept when it returns undefined), in place, so a later pass
   * can change how an op is computed without the builders knowing (see `static-quant.ts`).
   */
  rewrite(fn: (node: Readonly<GraphNode>) => GraphNode[] | undefined): void {
    this.nodes = this.nodes.flatMap((n) => fn(n) ?? [n]);
  }

  /** A single-output node. */
  op(op: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.node(op, inputs, attrs)[0]!;
  }

  /** A single-output node of onnxruntime's contrib domain (`com.microsoft`, version 1). */
  ms(op: string, inputs: string[], attrs: Record<string, Attr> = {}): string {
    return this.node(op, inputs, attrs, 1, MS_DOMAIN)[0]!;
  }

  /** How many nodes of each operator type the graph holds (for logs and tests). */
  opCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const n of this.nodes) counts[n.opType] = (counts[n.opType] ?? 0) + 1;
    return counts;
  }

  toModel(options: { opset: number; producer: string; version: string; doc?: string; metadata?: Record<string, string> }): ModelMessage {
    return {
      irVersion: 8,
      opsetImport: [{ domain: '', version: options.opset }, ...[...this.domains].map((domain) => ({ domain, version: 1 }))],
      producerName: options.producer,
      producerVersion: options.version,
      docString: options.doc ?? '',
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    };
  }
}
