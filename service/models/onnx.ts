/**
 * The one module that imports `onnxruntime-node`. Everything else passes typed arrays in and gets typed arrays
 * out. Sessions are memoised per (file, size, mtime, threads), so a re-converted file gets a fresh session, and a
 * failed load is evicted so the next call retries instead of replaying the failure.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { strataError } from '../errors.ts';
import { verifyModelFile } from './verify.ts';

export type InputData = BigInt64Array | Float32Array | Int32Array | Uint8Array;
export type OutputData = Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array;

export interface TensorInput {
  data: InputData;
  dims: readonly number[];
}

export interface TensorOutput {
  data: OutputData;
  dims: readonly number[];
}

/** onnxruntime graph optimisation levels Strata uses (`graphOptimization` in `convert/ensure.ts` picks one). */
export type GraphOptimization = 'basic' | 'all';

export interface SessionOptions {
  /** Threads one inference may use (the pool runs one session per worker, so keep workers x threads <= cores). */
  intraOpThreads?: number;
  /** Default `all`; `basic` for graphs that are already fused. */
  optimization?: GraphOptimization;
}

export interface OnnxSession {
  readonly file: string;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs the graph; `outputs` limits what is computed and returned. */
  run(feeds: Record<string, TensorInput>, outputs?: readonly string[]): Promise<Record<string, TensorOutput>>;
}

const sessions = new Map<string, Promise<ort.InferenceSession>>();

function typeOf(data: InputData): 'int64' | 'float32' | 'int32' | 'uint8' {
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  return 'float32';
}

/**
 * Loads (or reuses) a session for an ONNX file; a missing or corrupt file fails with an error naming it.
 *
 * @example const s = await loadSession('/cache/models/x/onnx/model.onnx', { intraOpThreads: 1 });
 *          const out = await s.run({ input_ids: { data: ids, dims: [1, 5] }, ... }, ['sentence_embedding']);
 */
export async function loadSession(file: string, options: SessionOptions = {}): Promise<OnnxSession> {
  const { intraOpThreads = 1, optimization = 'all' } = options;
  const info = await stat(file).catch(() => undefined);
  if (!info) throw strataError('model_missing', { dir: path.dirname(file), missing: path.basename(file), hint: 'Convert or prepare the model first (`strata models convert|prepare-minilm|prepare-mpnet`).' });
  // A file its manifest does not vouch for is refused before onnxruntime reads it (verify.ts).
  await verifyModelFile(file);
  const key = `${file}|${info.size}|${info.mtimeMs}|${intraOpThreads}|${optimization}`;
  let pending = sessions.get(key);
  if (!pending) {
    pending = ort.InferenceSession.create(file, {
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: optimization,
    });
    sessions.set(key, pending);
    pending.catch(() => sessions.delete(key));
  }
  let session: ort.InferenceSession;
  try {
    session = await pending;
  } catch (err) {
    throw strataError('model_error', { file, reason: `cannot load the ONNX model (${firstLine(err)})` });
  }
  return wrap(file, session);
}

function wrap(file: string, session: ort.InferenceSession): OnnxSession {
  return {
    file,
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(feeds, outputs) {
      const tensors: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) tensors[name] = new ort.Tensor(typeOf(t.data), t.data, t.dims);
      let result: ort.InferenceSession.OnnxValueMapType;
      try {
        result = outputs ? await session.run(tensors, [...outputs]) : await session.run(tensors);
      } catch (err) {
        throw strataError('model_error', { file, reason: `inference failed (${firstLine(err)})` });
      }
      const out: Record<string, TensorOutput> = {};
      for (const [name, value] of Object.entries(result)) {
        const t = value as ort.Tensor;
        out[name] = { data: t.data as OutputData, dims: t.dims };
      }
      return out;
    },
  };
}

/**
 * Drops memoised sessions of a file (all thread settings) and frees their native memory.
 *
 * @example await releaseSessions('/cache/models/x/onnx/model.onnx');
 */
export async function releaseSessions(file: string): Promise<void> {
  for (const [key, pending] of [...sessions]) {
    if (!key.startsWith(`${file}|`)) continue;
    sessions.delete(key);
    await pending.then((s) => s.release()).catch(() => {});
  }
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 500);
}
