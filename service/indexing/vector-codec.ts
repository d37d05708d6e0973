/**
 * Passage vectors stored with the document: Elasticsearch has no multi-valued dense_vector in this distribution,
 * so each document's passage vectors are packed into one `binary` field: per passage a float32 scale and `dim`
 * int8 values (symmetric quantisation), base64 encoded. At 384 dims that is 388 bytes a passage, a quarter of
 * float32, and cosine similarities move by well under 0.01.
 */

/**
 * Packs unit vectors into a base64 string.
 *
 * @example const b64 = encodePassageVectors([v1, v2], 384);
 */
export function encodePassageVectors(vectors: readonly Float32Array[], dim: number): string {
  const stride = 4 + dim;
  const buf = Buffer.alloc(vectors.length * stride);
  vectors.forEach((v, p) => {
    let max = 0;
    for (let i = 0; i < dim; i++) max = Math.max(max, Math.abs(v[i] ?? 0));
    const scale = max > 0 ? max / 127 : 1;
    buf.writeFloatLE(scale, p * stride);
    for (let i = 0; i < dim; i++) buf.writeInt8(Math.round((v[i] ?? 0) / scale), p * stride + 4 + i);
  });
  return buf.toString('base64');
}

/**
 * Unpacks what `encodePassageVectors` wrote, re-normalising each vector to unit length.
 *
 * @example decodePassageVectors(b64, 384).length // number of passages
 */
export function decodePassageVectors(b64: string, dim: number): Float32Array[] {
  const buf = Buffer.from(b64, 'base64');
  const stride = 4 + dim;
  if (buf.length % stride !== 0) throw new Error(`passage vectors: ${buf.length} bytes is not a multiple of ${stride} (dim ${dim})`);
  // Typed-array views instead of per-byte reads: this runs for every candidate of every rerank request.
  const bytes = new Int8Array(buf.buffer, buf.byteOffset, buf.length);
  const out: Float32Array[] = [];
  for (let off = 0; off < buf.length; off += stride) {
    const scale = buf.readFloatLE(off);
    const v = new Float32Array(dim);
    let norm = 0;
    for (let i = 0; i < dim; i++) {
      const x = bytes[off + 4 + i]! * scale;
      v[i] = x;
      norm += x * x;
    }
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < dim; i++) v[i]! *= inv;
    }
    out.push(v);
  }
  return out;
}

/** The `binary` field holding an encoder's passage vectors, e.g. `passages_vec_text_minilm`. */
export function passagesField(vectorFieldName: string): string {
  return `passages_${vectorFieldName}`;
}

/** The `binary` field holding an encoder's document vector packed like a passage (read back for reranking). */
export function packedField(vectorFieldName: string): string {
  return `packed_${vectorFieldName}`;
}
