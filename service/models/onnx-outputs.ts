/**
 * Exposes intermediate values of an existing ONNX model as extra graph outputs, without re-encoding the model:
 * every top-level field of the ModelProto is copied byte for byte and only the graph's bytes grow by the new
 * `output` entries. A decode/encode round trip through the converter's partial schema would silently drop every
 * field that schema does not declare (int32_data, external data, quantization annotations...), so it is used
 * here only to read value types and to serialise the new entries.
 */
import protobuf from 'protobufjs';
import { decodeModel, encodeModel, type ModelMessage } from './convert/onnx-proto.ts';
import { strataError } from '../errors.ts';

/** Field numbers from `onnx.proto`: ModelProto.graph and GraphProto.output. */
const MODEL_GRAPH_FIELD = 7;
const WIRE_LENGTH_DELIMITED = 2;

interface ValueInfo {
  name: string;
  type?: unknown;
}

interface GraphView {
  node?: Array<{ output?: string[] }>;
  input?: ValueInfo[];
  output?: ValueInfo[];
  valueInfo?: ValueInfo[];
}

/**
 * Returns the model bytes with `names` added as graph outputs (names already outputs are left alone). Each name
 * must be produced by a node; its type comes from the graph's `value_info`, or is declared as float32 of unknown
 * shape when the graph has none for it.
 *
 * @example const bytes = addGraphOutputs(await readFile('mobilenet.onnx'), ['627'], 'mobilenet.onnx');
 */
export function addGraphOutputs(bytes: Uint8Array, names: readonly string[], file = 'model'): Uint8Array {
  let graph: GraphView;
  try {
    graph = (decodeModel(bytes).graph ?? {}) as GraphView;
  } catch (err) {
    throw strataError('model_error', { file, reason: `not an ONNX model (${(err as Error).message})` });
  }
  const outputs = new Set((graph.output ?? []).map((o) => o.name));
  const produced = new Set((graph.node ?? []).flatMap((n) => n.output ?? []));
  const known = new Map((graph.valueInfo ?? []).map((v) => [v.name, v]));
  const added: ValueInfo[] = [];
  for (const name of names) {
    if (outputs.has(name)) continue;
    if (!produced.has(name)) throw strataError('model_error', { file, reason: `no node produces a value named "${name}"` });
    added.push(known.get(name) ?? { name, type: { tensorType: { elemType: 1 } } });
  }
  if (added.length === 0) return bytes;
  // A model holding only `graph.output` serialises to one graph field whose payload is exactly the output entries.
  const extra = graphPayload(encodeModel({ graph: { output: added } } as unknown as ModelMessage), file);
  return spliceGraph(bytes, extra, file);
}

/** The payload of the (single) graph field of a serialised ModelProto. */
function graphPayload(bytes: Uint8Array, file: string): Uint8Array {
  let found: Uint8Array | undefined;
  walk(bytes, file, (field, _start, end, payload) => {
    if (field === MODEL_GRAPH_FIELD && payload !== undefined) found = bytes.subarray(payload, end);
  });
  if (!found) throw strataError('model_error', { file, reason: 'no graph in the model' });
  return found;
}

/** Copies the model, appending `extra` to the payload of its graph field (there must be exactly one). */
function spliceGraph(bytes: Uint8Array, extra: Uint8Array, file: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let graphs = 0;
  walk(bytes, file, (field, start, end, payload) => {
    if (field !== MODEL_GRAPH_FIELD || payload === undefined) {
      chunks.push(bytes.subarray(start, end));
      return;
    }
    graphs++;
    const length = end - payload + extra.length;
    chunks.push(protobuf.Writer.create().uint32((MODEL_GRAPH_FIELD << 3) | WIRE_LENGTH_DELIMITED).uint32(length).finish());
    chunks.push(bytes.subarray(payload, end), extra);
  });
  if (graphs !== 1) throw strataError('model_error', { file, reason: `expected one graph field, found ${graphs}` });
  return Buffer.concat(chunks);
}

/** Visits each top-level field: its number, byte range, and where a length-delimited payload starts. */
function walk(bytes: Uint8Array, file: string, visit: (field: number, start: number, end: number, payload?: number) => void): void {
  const reader = protobuf.Reader.create(bytes);
  try {
    while (reader.pos < reader.len) {
      const start = reader.pos;
      const tag = reader.uint32();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === WIRE_LENGTH_DELIMITED) {
        const length = reader.uint32();
        const payload = reader.pos;
        reader.skip(length);
        visit(field, start, reader.pos, payload);
      } else {
        reader.skipType(wire);
        visit(field, start, reader.pos);
      }
    }
  } catch (err) {
    throw strataError('model_error', { file, reason: `truncated or corrupt protobuf (${(err as Error).message})` });
  }
}
