/**
 * `geo` encoder: latitude/longitude as a point on the unit sphere (x, y, z). The dot product of two rows is the
 * cosine of their angular distance, so cosine similarity ranks by great-circle distance, with no seam at the
 * antimeridian (lon 179.9 and -179.9 are neighbours) and no distortion at the poles, unlike raw lat/lon pairs.
 */
import type { EncodedBatch, Encoder, EncoderSpec } from './types.ts';

export interface GeoPoint {
  lat: number;
  lon: number;
}

/** Mean Earth radius, for turning a dot product back into kilometres. */
export const EARTH_RADIUS_KM = 6371.0088;

const DEG = Math.PI / 180;

function checkPoint(point: GeoPoint): string | undefined {
  if (typeof point !== 'object' || point === null) return 'expected an object { lat, lon }';
  const { lat, lon } = point;
  if (typeof lat !== 'number' || !Number.isFinite(lat)) return `lat ${String(lat)} is not a finite number`;
  if (typeof lon !== 'number' || !Number.isFinite(lon)) return `lon ${String(lon)} is not a finite number`;
  if (lat < -90 || lat > 90) return `lat ${lat} is outside [-90, 90]`;
  if (lon < -180 || lon > 180) return `lon ${lon} is outside [-180, 180]`;
  return undefined;
}

/**
 * Builds the geo encoder (dim 3). Out-of-range coordinates are item errors rather than wrapped, because a
 * latitude of 95 is almost always swapped lat/lon and wrapping would hide it.
 *
 * @example
 *   const geo = createGeoEncoder({ id: 'geo/store' });
 *   const { vectors } = await geo.encode([{ lat: 48.8566, lon: 2.3522 }]); // Paris -> [0.6574, 0.0270, 0.7531]
 */
export function createGeoEncoder({ id = 'geo/location' }: { id?: string } = {}): Encoder<GeoPoint> {
  const spec: EncoderSpec = {
    id,
    modality: 'geo',
    dim: 3,
    version: '1',
    weights: 'none',
    preprocessing: 'lat/lon degrees -> unit sphere (cos lat cos lon, cos lat sin lon, sin lat); ranges checked',
  };
  return {
    spec,
    async encode(inputs: readonly GeoPoint[]): Promise<EncodedBatch> {
      const vectors = new Float32Array(inputs.length * 3);
      const errors: EncodedBatch['errors'] = [];
      inputs.forEach((point, index) => {
        const message = checkPoint(point);
        if (message !== undefined) {
          errors.push({ index, message });
          return;
        }
        const lat = point.lat * DEG;
        const lon = point.lon * DEG;
        vectors[index * 3] = Math.cos(lat) * Math.cos(lon);
        vectors[index * 3 + 1] = Math.cos(lat) * Math.sin(lon);
        vectors[index * 3 + 2] = Math.sin(lat);
      });
      return { dim: 3, count: inputs.length, vectors, errors };
    },
  };
}

/**
 * Great-circle distance in km between two encoded rows (the inverse of the encoding, for explanations).
 *
 * @example distanceKmBetween(rowOf(batch, 0), rowOf(batch, 1)) // Paris-London ~ 343.5
 */
export function distanceKmBetween(a: Float32Array, b: Float32Array): number {
  const dot = (a[0] ?? 0) * (b[0] ?? 0) + (a[1] ?? 0) * (b[1] ?? 0) + (a[2] ?? 0) * (b[2] ?? 0);
  // atan2 of |a x b| and a.b keeps precision for nearby points, where acos(dot) loses it.
  const cx = (a[1] ?? 0) * (b[2] ?? 0) - (a[2] ?? 0) * (b[1] ?? 0);
  const cy = (a[2] ?? 0) * (b[0] ?? 0) - (a[0] ?? 0) * (b[2] ?? 0);
  const cz = (a[0] ?? 0) * (b[1] ?? 0) - (a[1] ?? 0) * (b[0] ?? 0);
  return Math.atan2(Math.hypot(cx, cy, cz), dot) * EARTH_RADIUS_KM;
}
