/**
 * Head artifacts: one versioned JSON file per head (`<headsDir>/<name>.json`) holding the type, the feature list,
 * the normalisation statistics, the model, its metrics and a hash of the training data. An artifact whose
 * feature list differs from what the assembler produces is refused, with the difference listed.
 */
import { z } from 'zod';
import { strataError } from '../errors.ts';
import { checkClassifyFields, classifyArtifactFields } from './classify-fields.ts';

/** Logistic regression in a library-neutral form: one row per class, bias last. */
export const LinearModelSchema = z.object({
  kind: z.enum(['sigmoid', 'softmax']),
  weights: z.array(z.array(z.number())).min(1),
});

export const XgbModelSchema = z.object({
  name: z.literal('ml-xgboost'),
  model: z.array(z.number().int()),
  options: z.record(z.string(), z.unknown()),
});

const Base = z.object({
  format: z.literal('strata-head/1'),
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/),
  version: z.string().min(1),
  task: z.enum(['rerank', 'classify']),
  /** Feature names in order (rerank: the assembler's names; classify: `<encoder>#<i>` per embedding dim). */
  features: z.array(z.string()).min(1),
  /** For classify heads: the encoders whose embeddings are concatenated, in order. */
  encoders: z.array(z.string()).optional(),
  labels: z.array(z.string()).optional(),
  normalisation: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }),
  metrics: z.record(z.string(), z.unknown()).default({}),
  trainingDataHash: z.string().default(''),
  trainer: z.string().default(''),
  createdAt: z.string(),
  // Classify-only fields (blocks, projection, calibration, abstain): see classify-fields.ts.
  ...classifyArtifactFields,
});

export const HeadArtifactSchema = z.discriminatedUnion('type', [
  Base.extend({ type: z.literal('lr'), model: LinearModelSchema }),
  Base.extend({ type: z.literal('xgb'), model: XgbModelSchema }),
]);

export type HeadArtifact = z.infer<typeof HeadArtifactSchema>;

/**
 * Parses an artifact (from JSON text) and checks its internal consistency; errors name the file.
 *
 * @example const artifact = parseArtifact(await readFile(file, 'utf8'), file);
 */
export function parseArtifact(text: string, file: string): HeadArtifact {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw strataError('model_error', { file, reason: `not valid JSON (${(err as Error).message})` });
  }
  const parsed = HeadArtifactSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw strataError('model_error', { file, reason: `not a strata head artifact: ${issues.join('; ')}` });
  }
  const a = parsed.data;
  const d = a.features.length;
  if (a.normalisation.mean.length !== d || a.normalisation.std.length !== d) {
    throw strataError('model_error', { file, reason: `normalisation has ${a.normalisation.mean.length} values for ${d} features` });
  }
  if (a.type === 'lr' && a.model.weights.some((w) => w.length !== d + 1)) {
    throw strataError('model_error', { file, reason: `weights rows must have ${d + 1} values (features + bias)` });
  }
  if (a.task === 'classify' && (!a.labels || a.labels.length < 2)) {
    throw strataError('model_error', { file, reason: 'a classify head needs at least two labels' });
  }
  checkClassifyFields(a, file);
  return a;
}

/**
 * Refuses an artifact whose features differ from the assembler's, listing what is missing, extra or moved.
 *
 * @example checkFeatures(artifact, featureNames({ textEncoders: ['text/minilm'] }));
 */
export function checkFeatures(artifact: Pick<HeadArtifact, 'name' | 'features'>, expected: readonly string[]): void {
  const have = artifact.features;
  if (have.length === expected.length && have.every((f, i) => f === expected[i])) return;
  const haveSet = new Set(have);
  const wantSet = new Set(expected);
  const missing = expected.filter((f) => !haveSet.has(f));
  const extra = have.filter((f) => !wantSet.has(f));
  const reordered = missing.length === 0 && extra.length === 0;
  throw strataError(
    'dimension_mismatch',
    {
      reason:
        `head "${artifact.name}" was trained on other features than the assembler produces: ` +
        (reordered ? 'same features in another order' : `missing ${JSON.stringify(missing)}, extra ${JSON.stringify(extra)}`),
    },
    { missing, extra },
  );
}
