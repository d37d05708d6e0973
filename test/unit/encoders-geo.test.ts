import { describe, expect, it } from 'vitest';
import { createGeoEncoder, distanceKmBetween, type GeoPoint } from '../../service/encoders/geo.ts';
import { rowOf } from '../../service/encoders/types.ts';

const geo = createGeoEncoder({ id: 'geo/store' });
const PARIS = { lat: 48.8566, lon: 2.3522 };
const LONDON = { lat: 51.5074, lon: -0.1278 };
const NEW_YORK = { lat: 40.7128, lon: -74.006 };

describe('geo encoder', () => {
  it('maps points onto the unit sphere', async () => {
    const batch = await geo.encode([{ lat: 0, lon: 0 }, { lat: 0, lon: 90 }, { lat: 90, lon: 0 }, PARIS]);
    expect(geo.spec).toMatchObject({ modality: 'geo', dim: 3 });
    expect(Array.from(rowOf(batch, 0))).toEqual([1, 0, 0]);
    const east = Array.from(rowOf(batch, 1));
    expect(east[0]).toBeCloseTo(0, 6);
    expect(east[1]).toBeCloseTo(1, 6);
    const pole = Array.from(rowOf(batch, 2));
    expect(pole[2]).toBeCloseTo(1, 6);
    // Paris: (cos 48.8566 cos 2.3522, cos 48.8566 sin 2.3522, sin 48.8566) = (0.65739, 0.02700, 0.75307)
    const p = Array.from(rowOf(batch, 3));
    expect(p[0]).toBeCloseTo(0.65739, 4);
    expect(p[1]).toBeCloseTo(0.027, 4);
    expect(p[2]).toBeCloseTo(0.75307, 4);
    expect(Math.hypot(...p)).toBeCloseTo(1, 6);
  });

  it('turns great-circle distance into similarity', async () => {
    const batch = await geo.encode([PARIS, LONDON, NEW_YORK]);
    const [paris, london, ny] = [0, 1, 2].map((i) => rowOf(batch, i));
    // haversine Paris-London ~ 343.5 km, Paris-New York ~ 5837 km
    expect(distanceKmBetween(paris!, london!)).toBeCloseTo(343.5, 0);
    expect(distanceKmBetween(paris!, ny!)).toBeGreaterThan(5800);
    expect(distanceKmBetween(paris!, ny!)).toBeLessThan(5880);
    const dot = (a: Float32Array, b: Float32Array) => a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
    expect(dot(paris!, london!)).toBeGreaterThan(dot(paris!, ny!));
  });

  it('has no seam at the antimeridian', async () => {
    const batch = await geo.encode([{ lat: 10, lon: 179.9 }, { lat: 10, lon: -179.9 }]);
    // 0.2 degrees of longitude at latitude 10: ~ 0.2 * 111.19 * cos(10) = 21.9 km
    expect(distanceKmBetween(rowOf(batch, 0), rowOf(batch, 1))).toBeCloseTo(21.9, 0);
  });

  it('names the bad coordinate in item errors and zeroes its row', async () => {
    const batch = await geo.encode([
      PARIS,
      { lat: 95, lon: 2 },
      { lat: 48, lon: -181 },
      { lat: Number.NaN, lon: 0 },
      { lat: 1 } as unknown as GeoPoint,
      null as unknown as GeoPoint,
      LONDON,
    ]);
    expect(batch.errors).toEqual([
      { index: 1, message: 'lat 95 is outside [-90, 90]' },
      { index: 2, message: 'lon -181 is outside [-180, 180]' },
      { index: 3, message: 'lat NaN is not a finite number' },
      { index: 4, message: 'lon undefined is not a finite number' },
      { index: 5, message: 'expected an object { lat, lon }' },
    ]);
    for (const i of [1, 2, 3, 4, 5]) expect(Array.from(rowOf(batch, i))).toEqual([0, 0, 0]);
    expect(Math.hypot(...rowOf(batch, 6))).toBeCloseTo(1, 6);
  });
});
