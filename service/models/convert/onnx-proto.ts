/**
 * The subset of `onnx.proto` (IR version 8) that the converter writes, as a protobufjs JSON descriptor: field
 * numbers and types copied from the ONNX schema, so the bytes are a standard ONNX ModelProto. Only messages and
 * fields the converter fills are declared; readers ignore nothing they need.
 */
import protobuf from 'protobufjs';

const f = (type: string, id: number, rule?: 'repeated') => (rule ? { type, id, rule } : { type, id });

const descriptor = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: f('int64', 1),
            opsetImport: f('OperatorSetIdProto', 8, 'repeated'),
            producerName: f('string', 2),
            producerVersion: f('string', 3),
            domain: f('string', 4),
            modelVersion: f('int64', 5),
            docString: f('string', 6),
            graph: f('GraphProto', 7),
            metadataProps: f('StringStringEntryProto', 14, 'repeated'),
          },
        },
        OperatorSetIdProto: { fields: { domain: f('string', 1), version: f('int64', 2) } },
        StringStringEntryProto: { fields: { key: f('string', 1), value: f('string', 2) } },
        GraphProto: {
          fields: {
            node: f('NodeProto', 1, 'repeated'),
            name: f('string', 2),
            initializer: f('TensorProto', 5, 'repeated'),
            docString: f('string', 10),
            input: f('ValueInfoProto', 11, 'repeated'),
            output: f('ValueInfoProto', 12, 'repeated'),
            valueInfo: f('ValueInfoProto', 13, 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: f('string', 1, 'repeated'),
            output: f('string', 2, 'repeated'),
            name: f('string', 3),
            opType: f('string', 4),
            attribute: f('AttributeProto', 5, 'repeated'),
            docString: f('string', 6),
            domain: f('string', 7),
          },
        },
        AttributeProto: {
          fields: {
            name: f('string', 1),
            f: f('float', 2),
            i: f('int64', 3),
            s: f('bytes', 4),
            t: f('TensorProto', 5),
            floats: f('float', 7, 'repeated'),
            ints: f('int64', 8, 'repeated'),
            type: f('int32', 20),
          },
        },
        TensorProto: {
          fields: {
            dims: f('int64', 1, 'repeated'),
            dataType: f('int32', 2),
            name: f('string', 8),
            rawData: f('bytes', 9),
            docString: f('string', 12),
          },
        },
        ValueInfoProto: { fields: { name: f('string', 1), type: f('TypeProto', 2), docString: f('string', 3) } },
        TypeProto: {
          fields: { tensorType: f('TypeProtoTensor', 1), denotation: f('string', 6) },
        },
        TypeProtoTensor: { fields: { elemType: f('int32', 1), shape: f('TensorShapeProto', 2) } },
        TensorShapeProto: { fields: { dim: f('Dimension', 1, 'repeated') } },
        Dimension: { fields: { dimValue: f('int64', 1), dimParam: f('string', 2) } },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** ONNX `TensorProto.DataType` codes for the element types the converter uses. */
export const DATA_TYPE = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7 } as const;
export type ElemType = keyof typeof DATA_TYPE;

/** ONNX `AttributeProto.AttributeType` codes. */
export const ATTR_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** Plain-object shape of the ModelProto fields declared above. */
export interface ModelMessage {
  irVersion: number;
  opsetImport: Array<{ domain: string; version: number }>;
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: unknown;
  metadataProps?: Array<{ key: string; value: string }>;
}

/**
 * Serialises a model message into ONNX protobuf bytes.
 *
 * @example const bytes = encodeModel({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], ... });
 */
export function encodeModel(model: ModelMessage): Uint8Array {
  const type = root.lookupType('onnx.ModelProto');
  return type.encode(type.fromObject(model as unknown as Record<string, unknown>)).finish();
}

/** Decodes ONNX bytes back into plain objects (tests and `models list` use it to inspect graphs). */
export function decodeModel(bytes: Uint8Array): Record<string, unknown> {
  const type = root.lookupType('onnx.ModelProto');
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as Record<string, unknown>;
}
