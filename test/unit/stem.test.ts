import { describe, expect, it } from 'vitest';
import { stemmedText } from '../../service/retrieval/stem.ts';

describe('stemmedText', () => {
  it('stems plurals and derived forms to one term, keeps codes and sizes', () => {
    expect(stemmedText('Energy-efficient Fridges')).toBe(stemmedText('energy efficiency fridge'));
    expect(stemmedText('RF28R7351SG 55-inch')).toBe('rf28r7351sg 55 inch');
    expect(stemmedText('')).toBe('');
  });
});
