import { describe, expect, it } from 'vitest';
import { categoryLevels, createCategoryEncoder } from '../../service/encoders/category.ts';
import { rowOf } from '../../service/encoders/types.ts';

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

const encoder = createCategoryEncoder({ id: 'category/path' });

async function similarityTo(ref: string, others: string[]): Promise<number[]> {
  const batch = await encoder.encode([ref, ...others]);
  expect(batch.errors).toEqual([]);
  // rows are unit length, so the dot product is the cosine
  return others.map((_, i) => dot(rowOf(batch, 0), rowOf(batch, i + 1)));
}

describe('categoryLevels', () => {
  it('normalises case, spaces and empty levels', () => {
    expect(categoryLevels(' Appliances / Kitchen//Fridges/ ')).toEqual(['appliances', 'kitchen', 'fridges']);
    expect(categoryLevels('a > b', '>')).toEqual(['a', 'b']);
  });
});

describe('category encoder', () => {
  it('has the default dim of 64 and unit rows', async () => {
    expect(encoder.spec).toMatchObject({ modality: 'category', dim: 64 });
    const batch = await encoder.encode(['appliances/kitchen/fridges', 'electronics']);
    expect(Math.hypot(...rowOf(batch, 0))).toBeCloseTo(1, 5);
    expect(Math.hypot(...rowOf(batch, 1))).toBeCloseTo(1, 5);
  });

  it('puts a path near its ancestors and siblings and far from other trees', async () => {
    const [kitchen, root, sibling, cousin, other] = await similarityTo('appliances/kitchen/fridges', [
      'appliances/kitchen',
      'appliances',
      'appliances/kitchen/ovens',
      'appliances/laundry/washing-machines',
      'electronics/tv',
    ]);
    // weights 1, 0.7, 0.49 (decay 0.7), |fridges|^2 = 1 + 0.49 + 0.2401 = 1.7301 (no bucket collisions here):
    // vs appliances/kitchen: (1 + 0.49) / sqrt(1.7301 * 1.49) = 0.9281
    expect(kitchen).toBeCloseTo(0.9281, 3);
    // vs sibling ovens: (1 + 0.49) / 1.7301 = 0.8612
    expect(sibling).toBeCloseTo(0.8612, 3);
    // vs appliances: 1 / sqrt(1.7301) = 0.7603
    expect(root).toBeCloseTo(0.7603, 3);
    // vs appliances/laundry/washing-machines: shares only the root: 1 / 1.7301 = 0.5780
    expect(cousin).toBeCloseTo(0.578, 3);
    expect(Math.abs(other!)).toBeLessThan(0.1);
  });

  it('keeps unrelated trees apart across a realistic category list', async () => {
    const paths = [
      'appliances/kitchen/fridges',
      'appliances/kitchen/dishwashers',
      'appliances/laundry/washing-machines',
      'appliances/cleaning/vacuum-cleaners',
      'electronics/tv',
      'electronics/computers/laptops',
      'electronics/audio/headphones',
      'electronics/phones/smartphones',
    ];
    const batch = await encoder.encode(paths);
    let crossMax = 0;
    let withinMin = 1;
    for (let i = 0; i < paths.length; i++) {
      for (let j = i + 1; j < paths.length; j++) {
        const s = dot(rowOf(batch, i), rowOf(batch, j));
        const sameRoot = paths[i]!.split('/')[0] === paths[j]!.split('/')[0];
        if (sameRoot) withinMin = Math.min(withinMin, s);
        else crossMax = Math.max(crossMax, Math.abs(s));
      }
    }
    expect(withinMin).toBeGreaterThan(0.4);
    expect(crossMax).toBeLessThan(0.25);
  });

  it('treats differently written forms of a path alike', async () => {
    const [same] = await similarityTo('appliances/kitchen/fridges', ['Appliances / Kitchen / Fridges/']);
    expect(same).toBeCloseTo(1, 6);
  });

  it('weights the root more with a smaller decay', async () => {
    const steep = createCategoryEncoder({ id: 'c', decay: 0.3 });
    const batch = await steep.encode(['appliances/kitchen/fridges', 'appliances']);
    // 1 / sqrt(1 + 0.09 + 0.0081) = 0.9544, against 0.7603 with decay 0.7
    expect(dot(rowOf(batch, 0), rowOf(batch, 1))).toBeCloseTo(0.9544, 3);
  });

  it('reports empty and non-string categories as item errors with zero rows', async () => {
    const batch = await encoder.encode(['appliances', ' / ', 42 as unknown as string, 'electronics']);
    expect(batch.errors.map((e) => e.index)).toEqual([1, 2]);
    expect(batch.errors[0]?.message).toMatch(/empty/);
    expect(rowOf(batch, 1).every((x) => x === 0)).toBe(true);
    expect(rowOf(batch, 2).every((x) => x === 0)).toBe(true);
    expect(Math.hypot(...rowOf(batch, 3))).toBeCloseTo(1, 5);
  });
});
