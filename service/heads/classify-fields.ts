/**
 * The artifact fields only classify heads carry, and their consistency checks (kept apart from the general
 * artifact checks in `artifact.ts`):
 * - `blocks`: each encoder's slice of the concatenated, centred embedding is scaled to unit length times its
 *   weight before the model (the block-weighted head of `training/classify/block-lr.ts`);
 * - `projection`: XGBoost heads see the rows projected onto principal axes (after `blocks`);
 * - `calibration`: the softmax temperature fitted on held-out rows;
 * - `abstain`: the out-of-scope rule, an in-scope score and the threshold under which the head answers
 *   `label: null` (and, for the `centroid` score, the class centroids it measures against).
 */
import { z } from 'zod';

/** In-scope scores a head can abstain on (higher = more in scope). */
export const OOS_SCORES = ['max_probability', 'energy', 'centroid'] as const;
export type OosScore = (typeof OOS_SCORES)[number];

export const BlockSchema = z.object({ encoder: z.string().min(1), dim: z.number().int().positive(), weight: z.number().min(0) });

export const ProjectionSchema = z.object({
  kind: z.literal('pca'),
  /** Row-major axes: one row per output dimension, each as wide as the head's features. */
  components: z.array(z.array(z.number())).min(1),
});

export const CalibrationSchema = z.object({
  method: z.literal('temperature'),
  temperature: z.number().positive(),
  /** Held-out rows it was fitted on, and the expected calibration error / NLL there before and after. */
  rows: z.number().int().nonnegative(),
  eceBefore: z.number().optional(),
  eceAfter: z.number().optional(),
  nllBefore: z.number().optional(),
  nllAfter: z.number().optional(),
});

export const AbstainSchema = z.object({
  score: z.enum(OOS_SCORES),
  /** The head answers when score >= threshold. */
  threshold: z.number(),
  target: z.object({ metric: z.enum(['precision', 'oos_recall']), value: z.number().gt(0).max(1) }),
  /** Where the out-of-scope rows that set the threshold came from. */
  source: z.enum(['oos-file', 'held-out-classes', 'in-scope-only']),
  /** Metrics at the threshold on those rows (estimates, not test figures). */
  estimate: z.record(z.string(), z.number()).default({}),
  /** `centroid` score: one unit-length centroid per label in the head's input space. */
  centroids: z.array(z.array(z.number())).optional(),
});

/** Spread into the artifact schema's base object. */
export const classifyArtifactFields = {
  blocks: z.array(BlockSchema).min(1).optional(),
  projection: ProjectionSchema.optional(),
  calibration: CalibrationSchema.optional(),
  abstain: AbstainSchema.optional(),
};

export type Block = z.infer<typeof BlockSchema>;
export type Calibration = z.infer<typeof CalibrationSchema>;
export type Abstain = z.infer<typeof AbstainSchema>;

interface ClassifyParts {
  type: string;
  task: string;
  features: string[];
  encoders?: string[] | undefined;
  labels?: string[] | undefined;
  blocks?: Block[] | undefined;
  projection?: z.infer<typeof ProjectionSchema> | undefined;
  calibration?: Calibration | undefined;
  abstain?: Abstain | undefined;
}

const finite = (rows: number[][]) => rows.every((r) => r.every(Number.isFinite));

/**
 * Problems of an artifact's classify fields (empty when they agree with each other and with the head), each naming
 * the field; `check-artifact.ts` adds them to the artifact's other problems, so a head is refused at load and
 * reload with all of them.
 *
 * @example classifyFieldProblems(artifact) // ['abstain.centroids: 3 rows for 77 labels']
 */
export function classifyFieldProblems(a: ClassifyParts): string[] {
  const problems: string[] = [];
  const present = (['blocks', 'projection', 'calibration', 'abstain'] as const).filter((f) => a[f] !== undefined);
  if (a.task !== 'classify') return present.length ? [`${present.join(', ')}: only classify heads carry these fields`] : [];
  const d = a.features.length;
  if (a.blocks) {
    const total = a.blocks.reduce((s, b) => s + b.dim, 0);
    if (total !== d) problems.push(`blocks: widths add up to ${total}, the head has ${d} features`);
    if (a.encoders && a.blocks.map((b) => b.encoder).join() !== a.encoders.join()) problems.push(`blocks: encoders [${a.blocks.map((b) => b.encoder).join(', ')}] differ from the head's [${a.encoders.join(', ')}]`);
    if (a.blocks.every((b) => b.weight === 0)) problems.push('blocks: every block weight is 0');
  }
  if (a.projection) {
    if (a.type !== 'xgb') problems.push('projection: only XGBoost heads take projected rows');
    const bad = a.projection.components.findIndex((r) => r.length !== d);
    if (bad >= 0) problems.push(`projection.components[${bad}]: ${a.projection.components[bad]!.length} values for ${d} features`);
    if (!finite(a.projection.components)) problems.push('projection.components: not all finite');
  }
  if (a.calibration && !Number.isFinite(a.calibration.temperature)) problems.push('calibration.temperature: not finite');
  const ab = a.abstain;
  if (!ab) return problems;
  if (!a.calibration) problems.push('abstain: a threshold needs the calibration it was chosen under (calibration is missing)');
  if (!Number.isFinite(ab.threshold)) problems.push('abstain.threshold: not finite');
  if (ab.score === 'max_probability' && (ab.threshold < 0 || ab.threshold > 1)) problems.push(`abstain.threshold: ${ab.threshold} is outside [0, 1], the range of max_probability`);
  if (ab.score === 'centroid' && (ab.threshold < -1 || ab.threshold > 1)) problems.push(`abstain.threshold: ${ab.threshold} is outside [-1, 1], the range of a cosine`);
  if (ab.score === 'centroid' && !ab.centroids) problems.push('abstain.centroids: the centroid score needs the class centroids');
  if (ab.centroids) {
    const k = a.labels?.length ?? 0;
    if (ab.centroids.length !== k) problems.push(`abstain.centroids: ${ab.centroids.length} rows for ${k} labels`);
    const bad = ab.centroids.findIndex((r) => r.length !== d);
    if (bad >= 0) problems.push(`abstain.centroids[${bad}]: ${ab.centroids[bad]!.length} values for ${d} features`);
    if (!finite(ab.centroids)) problems.push('abstain.centroids: not all finite');
  }
  return problems;
}
