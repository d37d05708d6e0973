/**
 * A text encoder over a converted sentence-transformers folder (tokenizer -> ONNX -> pooled, L2-normalised
 * `sentence_embedding`), shared by `text/minilm` and `text/mpnet`: non-strings become zero rows with an error.
 */
import type { EncodedBatch, Encoder, EncoderSpec } from './types.ts';
import { loadTextEmbedder } from '../models/embed-text.ts';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { strataError } from '../errors.ts';
import { onnxFile, type OnnxVariant } from '../models/paths.ts';
import { ensureCurrentConversion } from '../models/convert/ensure.ts';

export interface SentenceModelOptions {
  /** `fp32` (reference quality) or `int8` (dynamically quantized, faster). */
  variant?: OnnxVariant;
  intraOpThreads?: number;
  batchSize?: number;
}

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/**
 * Builds an encoder for the model folder `dir` under `spec` (its dim taken from the graph); fails with
 * `model_missing` naming the file and the `strata models <prepare>` command until the model is prepared.
 *
 * @example const enc = await createSentenceModelEncoder(MPNET_SPEC, modelDir(modelsDir, MPNET.name), { variant: 'int8' }, 'prepare-mpnet');
 */
export async function createSentenceModelEncoder(spec: EncoderSpec, dir: string, options: SentenceModelOptions, prepare: string): Promise<Encoder<string>> {
  const { variant = 'fp32', intraOpThreads = 1, batchSize = 32 } = options;
  const graph = onnxFile(dir, variant);
  // A folder converted without this variant (e.g. `models convert` without --int8) gets it now, from its weights.
  await ensureCurrentConversion(dir, [variant], { convertMissing: true });
  if (!(await exists(graph))) {
    throw strataError('model_missing', { dir, missing: path.relative(dir, graph), hint: `${spec.id} needs \`npx strata models ${prepare}\` first.` });
  }
  const embedder = await loadTextEmbedder(dir, { variant, intraOpThreads, batchSize });
  return {
    spec: { ...spec, dim: embedder.dim, options: { ...spec.options, variant } },
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
