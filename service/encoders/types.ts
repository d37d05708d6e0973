/**
 * The encoder interface. Every modality (text, image, number, category, recency, geo, ...) implements it, so the
 * pool, the indexer and the feature assembler treat them alike. Encoders are plain objects built by a factory
 * from a manifest entry; they run inside pool workers (or in-process in tests and benchmarks).
 */

/** One entry of the encoder registry (the manifest). */
export interface EncoderSpec {
  /** Stable id, e.g. `text/chargram`, `text/minilm`, `image/mobilenet`. */
  id: string;
  modality: 'text' | 'image' | 'number' | 'category' | 'recency' | 'geo' | 'timeseries';
  /** Output dimension; the index mapping takes its vector dims from here. */
  dim: number;
  version: string;
  /** Where the weights come from (`none` for encoders that need none). */
  weights: string;
  /** Human-readable preprocessing summary, shown by `GET /v1/models`. */
  preprocessing: string;
  /** Encoder-specific options (e.g. n-gram range, model file). */
  options?: Record<string, unknown>;
}

/** Result of encoding a batch: one row-major Float32Array of `count * dim` values plus per-item errors. */
export interface EncodedBatch {
  dim: number;
  count: number;
  vectors: Float32Array;
  /** Items that could not be encoded (their rows are zero); a bad item never fails the whole batch. */
  errors: Array<{ index: number; message: string }>;
  /** How many inputs were truncated to the model's maximum length. */
  truncated?: number;
}

export interface Encoder<Input = string> {
  readonly spec: EncoderSpec;
  /** Encodes a batch; rows are L2-normalised where the modality calls for it. */
  encode(inputs: readonly Input[]): Promise<EncodedBatch>;
  /** Frees native resources (ONNX sessions). */
  dispose?(): Promise<void>;
}

/** Returns row `i` of a batch as a view (no copy). */
export function rowOf(batch: EncodedBatch, i: number): Float32Array {
  return batch.vectors.subarray(i * batch.dim, (i + 1) * batch.dim);
}
