/**
 * Reads the safetensors format: an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * `{ dtype, shape, data_offsets }` (offsets relative to the end of the header), then the raw little-endian data.
 * Float tensors (F32, F16, BF16, F64) come out as Float32Array; every inconsistency names the file and tensor.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { strataError } from '../../errors.ts';

export interface TensorInfo {
  dtype: string;
  shape: number[];
  /** Byte range in the data section (after the header). */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  file: string;
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  /** Returns a tensor as float32 (converting F16/BF16/F64); throws naming the tensor when absent or not float. */
  float32(name: string): Float32Array;
}

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
const MAX_HEADER = 100 * 1024 * 1024;

/**
 * Parses a safetensors buffer (already read from `file`, which is only used in messages).
 *
 * @example const st = parseSafetensors(await readFile('model.safetensors'), 'model.safetensors');
 *          st.float32('embeddings.word_embeddings.weight');
 */
export function parseSafetensors(buf: Uint8Array, file: string): SafetensorsFile {
  const fail = (reason: string) => strataError('model_error', { file, reason });
  if (os.endianness() !== 'LE') throw fail('safetensors data is little-endian; this host is big-endian');
  if (buf.byteLength < 8) throw fail(`truncated safetensors file: ${buf.byteLength} bytes, the 8-byte header length is missing`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > MAX_HEADER) throw fail(`not a safetensors file: header length ${headerLen} is implausible`);
  if (8 + headerLen > buf.byteLength) {
    throw fail(`truncated safetensors file: header needs ${headerLen} bytes, only ${buf.byteLength - 8} present`);
  }
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, headerLen).toString('utf8'));
  } catch (err) {
    throw fail(`safetensors header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw fail('safetensors header is not a JSON object');

  const dataStart = 8 + headerLen;
  const dataLen = buf.byteLength - dataStart;
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const info = readInfo(name, raw, fail);
    if (info.end > dataLen) {
      throw fail(`truncated safetensors file: tensor "${name}" ends at byte ${info.end} of the data section, which holds ${dataLen}`);
    }
    tensors.set(name, info);
  }

  const float32 = (name: string): Float32Array => {
    const info = tensors.get(name);
    if (!info) throw fail(`missing tensor "${name}"`);
    return toFloat32(buf.subarray(dataStart + info.begin, dataStart + info.end), info.dtype, () => fail(`tensor "${name}" has dtype ${info.dtype}, expected a float type (F32, F16, BF16, F64)`));
  };
  return { file, tensors, metadata, float32 };
}

/**
 * Reads and parses a safetensors file.
 *
 * @example const st = await readSafetensors('/models/x/model.safetensors');
 */
export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    throw strataError('model_error', { file, reason: (err as Error).message });
  }
  return parseSafetensors(buf, file);
}

function readInfo(name: string, raw: unknown, fail: (r: string) => Error): TensorInfo {
  const r = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  const dtype = typeof r?.dtype === 'string' ? r.dtype : undefined;
  const shape = Array.isArray(r?.shape) && r.shape.every((d) => Number.isInteger(d) && d >= 0) ? (r.shape as number[]) : undefined;
  const offs = Array.isArray(r?.data_offsets) && r.data_offsets.length === 2 ? (r.data_offsets as number[]) : undefined;
  if (!dtype || !shape || !offs) throw fail(`tensor "${name}" has a malformed header entry`);
  const [begin, end] = offs as [number, number];
  const size = BYTES[dtype];
  if (size === undefined) throw fail(`tensor "${name}" has unsupported dtype ${dtype}`);
  const expected = shape.reduce((a, b) => a * b, 1) * size;
  if (!(end >= begin) || end - begin !== expected) {
    throw fail(`tensor "${name}" ${dtype}[${shape.join(', ')}] needs ${expected} bytes but its offsets span ${end - begin}`);
  }
  return { dtype, shape, begin, end };
}

function toFloat32(bytes: Uint8Array, dtype: string, wrongType: () => Error): Float32Array {
  // Copy first (new Uint8Array copies; Buffer#slice would not): the data section need not be 4-byte aligned.
  const copy = new Uint8Array(bytes);
  switch (dtype) {
    case 'F32':
      return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
    case 'F64':
      return Float32Array.from(new Float64Array(copy.buffer, 0, copy.byteLength / 8));
    case 'F16': {
      const h = new Uint16Array(copy.buffer, 0, copy.byteLength / 2);
      const out = new Float32Array(h.length);
      for (let i = 0; i < h.length; i++) out[i] = halfToFloat(h[i]!);
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const h = new Uint16Array(copy.buffer, 0, copy.byteLength / 2);
      const bits = new Uint32Array(h.length);
      for (let i = 0; i < h.length; i++) bits[i] = h[i]! << 16;
      return new Float32Array(bits.buffer);
    }
    default:
      throw wrongType();
  }
}

/** IEEE 754 half to float (exact: every half is representable as a float). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
