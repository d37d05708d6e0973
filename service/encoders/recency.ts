/**
 * `recency` encoders: a date as exponential decays of its age over several half-lives plus the sine and cosine of
 * its day of the year. Several half-lives let a head learn "new this week" and "released this year" as different
 * signals; the seasonal pair places 31 December next to 1 January, which a raw day number would not.
 * Rows are not L2-normalised: each decay value is meaningful on its own (0.5 = exactly one half-life old), and
 * the seasonal pair alone has norm 1, so a row is never the zero vector.
 */
import type { EncodedBatch, Encoder, EncoderSpec } from './types.ts';

/** An ISO date string, epoch milliseconds or a Date. */
export type RecencyInput = string | number | Date;

export interface RecencyEncoderOptions {
  id: string;
  halfLivesDays?: readonly number[];
  /** Adds sin/cos of the day of the year. */
  seasonality?: boolean;
  /** The reference time; injectable so tests and re-runs are reproducible. */
  now?: () => Date;
}

const DAY_MS = 86_400_000;
const YEAR_DAYS = 365.2425;

function toTime(value: RecencyInput): number | string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid Date' : value.getTime();
  if (typeof value === 'number') return Number.isFinite(value) ? value : `timestamp ${value} is not finite`;
  if (typeof value === 'string') {
    // Date.parse accepts things like "5" or "March"; only ISO dates are accepted, as in the catalog schema.
    if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
      return `"${value.slice(0, 40)}" is not an ISO date (e.g. 2024-05-01)`;
    }
    const t = Date.parse(value.trim());
    return Number.isNaN(t) ? `"${value.slice(0, 40)}" is not a valid date` : t;
  }
  return `expected an ISO date, a timestamp or a Date, got ${typeof value}`;
}

/**
 * Builds a recency encoder with dim = halfLivesDays.length (+ 2 with seasonality). Future dates count as age 0
 * (a pre-announced product is "brand new", not an error).
 *
 * @example
 *   const rec = createRecencyEncoder({ id: 'recency/release', now: () => new Date('2026-01-01') });
 *   const { vectors } = await rec.encode(['2025-12-25']); // [0.5, 0.85, 0.987, sin, cos] for 7, 30, 365 days
 */
export function createRecencyEncoder({
  id,
  halfLivesDays = [7, 30, 365],
  seasonality = true,
  now = () => new Date(),
}: RecencyEncoderOptions): Encoder<RecencyInput> {
  if (halfLivesDays.length === 0 && !seasonality) throw new RangeError(`recency encoder ${id}: nothing to encode`);
  for (const h of halfLivesDays) {
    if (!(h > 0 && Number.isFinite(h))) throw new RangeError(`recency encoder ${id}: half-life ${h} must be > 0`);
  }
  const dim = halfLivesDays.length + (seasonality ? 2 : 0);
  const rates = halfLivesDays.map((h) => Math.LN2 / h);
  const spec: EncoderSpec = {
    id,
    modality: 'recency',
    dim,
    version: '1',
    weights: 'none',
    preprocessing: `age in days -> exp(-ln2 * age / h) for h in [${halfLivesDays.join(', ')}]${seasonality ? ' + sin/cos of day of year' : ''}; future dates count as age 0; not normalised`,
    options: { halfLivesDays: [...halfLivesDays], seasonality },
  };

  return {
    spec,
    async encode(inputs: readonly RecencyInput[]): Promise<EncodedBatch> {
      // One reference time per batch, so rows of a batch are comparable.
      const nowMs = now().getTime();
      const vectors = new Float32Array(inputs.length * dim);
      const errors: EncodedBatch['errors'] = [];
      inputs.forEach((value, index) => {
        const t = toTime(value);
        if (typeof t === 'string') {
          errors.push({ index, message: t });
          return;
        }
        const row = vectors.subarray(index * dim, (index + 1) * dim);
        const age = Math.max(0, (nowMs - t) / DAY_MS);
        rates.forEach((r, j) => {
          row[j] = Math.exp(-r * age);
        });
        if (seasonality) {
          const d = new Date(t);
          const dayOfYear = (t - Date.UTC(d.getUTCFullYear(), 0, 1)) / DAY_MS;
          const angle = (2 * Math.PI * dayOfYear) / YEAR_DAYS;
          row[rates.length] = Math.sin(angle);
          row[rates.length + 1] = Math.cos(angle);
        }
      });
      return { dim, count: inputs.length, vectors, errors };
    },
  };
}
