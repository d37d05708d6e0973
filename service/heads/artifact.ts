/**
 * Head artifacts: one versioned JSON file per head (`<headsDir>/<name>.json`) holding the type, the feature list,
 * the normalisation statistics, the model, its metrics and a hash of the training data. An artifact whose
 * feature list differs from what the assembler produces is refused, with the difference listed.
 */
import { z } from 'zod';
import { strataError } from '../errors.ts';
import { classifyArtifactFields } from './classify-fields.ts';
import { artifactProblems, type ArtifactExpectations } from './check-artifact.ts';

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
  /**
   * Rerank heads: `index` (may use Elasticsearch first-stage features) or `inline` (request features only, so it
   * serves inline documents too); absent in older artifacts (then read from the feature names).
   */
  view: z.enum(['index', 'inline']).optional(),
  /** Rerank heads: which of `features` are index features (`fs:*`) and which request-local (see features/scopes.ts). */
  scopes: z.object({ index: z.array(z.string()), request: z.array(z.string()) }).optional(),
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
 * Parses an artifact (from JSON text) and checks its internal consistency (check-artifact.ts); errors name the
 * file and the place, never quote the file's contents (a link to a system file must not leak its first line).
 *
 * @example const artifact = parseArtifact(await readFile(file, 'utf8'), 'default.json', { encoderDims });
 */
export function parseArtifact(text: string, file: string, expectations: ArtifactExpectations = {}): HeadArtifact {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw strataError('model_error', { file, reason: 'not valid JSON' });
  }
  const parsed = HeadArtifactSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw strataError('model_error', { file, reason: `not a strata head artifact: ${issues.join('; ')}` });
  }
  const problems = artifactProblems(parsed.data, expectations);
  if (problems.length) throw strataError('model_error', { file, reason: problems.slice(0, 5).join('; ') }, { problems });
  return parsed.data;
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
