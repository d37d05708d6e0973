import { describe, expect, it } from 'vitest';
import { createRecencyEncoder } from '../../service/encoders/recency.ts';
import { rowOf } from '../../service/encoders/types.ts';

const NOW = new Date('2026-01-01T00:00:00Z');
const encoder = createRecencyEncoder({ id: 'recency/release', now: () => NOW });

async function row(value: string | number | Date): Promise<number[]> {
  const batch = await encoder.encode([value]);
  expect(batch.errors).toEqual([]);
  return Array.from(rowOf(batch, 0));
}

describe('recency encoder', () => {
  it('has one dim per half-life plus the seasonal pair', () => {
    expect(encoder.spec).toMatchObject({ modality: 'recency', dim: 5 });
    expect(createRecencyEncoder({ id: 'r', seasonality: false }).spec.dim).toBe(3);
    expect(createRecencyEncoder({ id: 'r', halfLivesDays: [1, 2, 4, 8] }).spec.dim).toBe(6);
  });

  it('decays exponentially by half-life', async () => {
    // 7 days old: 2^(-7/7) = 0.5, 2^(-7/30) = 0.85066, 2^(-7/365) = 0.98679
    const [d7, d30, d365] = await row('2025-12-25');
    expect(d7).toBeCloseTo(0.5, 5);
    expect(d30).toBeCloseTo(0.85066, 4);
    expect(d365).toBeCloseTo(0.98679, 4);
    // one year (365 days) old: the 365-day decay is exactly one half; the 7-day one is 2^(-52.1) ~ 0
    const year = await row('2025-01-01');
    expect(year[2]).toBeCloseTo(0.5, 5);
    expect(year[0]).toBeLessThan(1e-10);
  });

  it('gives newer dates larger decay values', async () => {
    const older = await row('2024-06-01');
    const newer = await row('2025-11-01');
    for (let j = 0; j < 3; j++) expect(newer[j]!).toBeGreaterThan(older[j]!);
  });

  it('counts future dates as brand new', async () => {
    expect((await row('2026-03-01')).slice(0, 3)).toEqual([1, 1, 1]);
  });

  it('places the turn of the year together and midsummer opposite', async () => {
    const dec31 = (await row('2025-12-31')).slice(3);
    const jan1 = (await row('2026-01-01')).slice(3);
    const jul2 = (await row('2025-07-02')).slice(3);
    const dot = (a: number[], b: number[]) => a[0]! * b[0]! + a[1]! * b[1]!;
    expect(dot(dec31, jan1)).toBeGreaterThan(0.99);
    expect(dot(jan1, jul2)).toBeLessThan(-0.99);
    // 1 January: angle 0 -> (sin, cos) = (0, 1)
    expect(jan1[0]).toBeCloseTo(0, 6);
    expect(jan1[1]).toBeCloseTo(1, 6);
  });

  it('accepts Date objects and epoch milliseconds alike', async () => {
    const fromString = await row('2025-10-10T12:00:00Z');
    expect(await row(new Date('2025-10-10T12:00:00Z'))).toEqual(fromString);
    expect(await row(Date.UTC(2025, 9, 10, 12))).toEqual(fromString);
  });

  it('reads the injected clock once per batch', async () => {
    let calls = 0;
    const counted = createRecencyEncoder({ id: 'r', now: () => (calls++, NOW) });
    await counted.encode(['2025-01-01', '2025-02-01', '2025-03-01']);
    expect(calls).toBe(1);
  });

  it('reports unparseable dates as item errors with zero rows', async () => {
    const batch = await encoder.encode(['2025-01-01', 'yesterday', '2024-13-45', Number.NaN, new Date('nope'), '2025-06-01']);
    expect(batch.errors.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    expect(batch.errors[0]?.message).toMatch(/not an ISO date/);
    for (const i of [1, 2, 3, 4]) expect(rowOf(batch, i).every((x) => x === 0)).toBe(true);
    expect(rowOf(batch, 5)[2]).toBeGreaterThan(0);
  });

  it('rejects non-positive half-lives', () => {
    expect(() => createRecencyEncoder({ id: 'r', halfLivesDays: [7, 0] })).toThrow(/half-life 0/);
  });
});
