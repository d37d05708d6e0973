import { describe, expect, it } from 'vitest';
import { BudgetSchema, parseBudget, stripBudget } from '../../service/query/budget.ts';

describe('parseBudget', () => {
  it.each([
    ['under $500', { max: 500, currency: 'USD', matched: 'under $500' }],
    ['below 500 dollars', { max: 500, currency: 'USD', matched: 'below 500 dollars' }],
    ['less than €300', { max: 300, currency: 'EUR', matched: 'less than €300' }],
    ['< 200', { max: 200, matched: '< 200' }],
    ['<200', { max: 200, matched: '<200' }],
    ['max 1k', { max: 1000, matched: 'max 1k' }],
    ['up to 1,200 usd', { max: 1200, currency: 'USD', matched: 'up to 1,200 usd' }],
    ['cheaper than 80', { max: 80, matched: 'cheaper than 80' }],
    ['no more than £250', { max: 250, currency: 'GBP', matched: 'no more than £250' }],
    ['budget of $800', { max: 800, currency: 'USD', matched: 'budget of $800' }],
    ['fridge $500 or less', { max: 500, currency: 'USD', matched: '$500 or less' }],
    ['500€ max', { max: 500, currency: 'EUR', matched: '500€ max' }],
    ['over 1000', { min: 1000, matched: 'over 1000' }],
    ['at least $50', { min: 50, currency: 'USD', matched: 'at least $50' }],
    ['$500+ tv', { min: 500, currency: 'USD', matched: '$500+' }],
    ['between 300 and 500', { min: 300, max: 500, matched: 'between 300 and 500' }],
    ['$300-$500', { min: 300, max: 500, currency: 'USD', matched: '$300-$500' }],
    ['300 to 500 euros', { min: 300, max: 500, currency: 'EUR', matched: '300 to 500 euros' }],
    ['from $300 to $500', { min: 300, max: 500, currency: 'USD', matched: 'from $300 to $500' }],
    ['$1-2k laptop', { min: 1000, max: 2000, currency: 'USD', matched: '$1-2k' }],
    ['under $4.99.', { max: 4.99, currency: 'USD', matched: 'under $4.99' }],
  ])('%s', (query, expected) => {
    expect(parseBudget(query)).toEqual(expected);
  });

  it('finds the budget anywhere in a longer query, case-insensitively', () => {
    expect(parseBudget('Samsung French Door Fridge UNDER $1,500 with ice maker')).toEqual({
      max: 1500,
      currency: 'USD',
      matched: 'UNDER $1,500',
    });
  });

  it('combines a lower and an upper bound written as two phrases', () => {
    expect(parseBudget('tv over $300 and under $500')).toEqual({
      min: 300,
      max: 500,
      currency: 'USD',
      matched: 'over $300 under $500',
    });
  });

  it('orders a range written high to low', () => {
    expect(parseBudget('between 500 and 300')).toMatchObject({ min: 300, max: 500 });
  });

  it.each([
    '55 inch tv',
    'iphone 15',
    'RF28R7351SG',
    'under the sink dishwasher',
    'tv under 30 inch',
    'dishwasher less than 45 dB',
    'between 30 and 40 inch',
    '4.5 stars or more',
    'laptop at least 16 gb',
    'over 5 years warranty',
    'from 2019 to 2021',
    '300-500',
    'model 300-500',
    'under 500x',
    'galaxy s24 max',
    '',
    '   ',
  ])('no budget in %j', (query) => {
    expect(parseBudget(query)).toBeNull();
  });

  it('copes with emoji, CJK and 1 MB inputs, scanning only the start of a huge query', () => {
    expect(parseBudget('😍 冰箱 低于500元')).toBeNull();
    expect(parseBudget('冰箱 under €300 😍')).toMatchObject({ max: 300, currency: 'EUR' });
    expect(parseBudget('1'.repeat(1_000_000))).toBeNull();
    const repeated = 'under $500 '.repeat(100_000);
    expect(parseBudget(repeated)).toMatchObject({ max: 500, currency: 'USD' });
    expect(stripBudget(repeated).length).toBeLessThan(repeated.length - 4000);
    expect(parseBudget('x '.repeat(500_000) + 'under $500')).toBeNull();
  });

  it('returns data the HTTP schema accepts', () => {
    expect(BudgetSchema.parse(parseBudget('300 to 500 euros'))).toBeTruthy();
  });
});

describe('stripBudget', () => {
  it.each([
    ['samsung fridge under $500', 'samsung fridge'],
    ['samsung fridge for under $500 with ice maker', 'samsung fridge with ice maker'],
    ['washer priced at less than 600 dollars', 'washer'],
    ['tv over $300 and under $500', 'tv'],
    ['$300-$500 espresso machine', 'espresso machine'],
    ['under $500', ''],
    ['under $4.99.', ''],
  ])('%j -> %j', (query, rest) => {
    expect(stripBudget(query)).toBe(rest);
  });

  it('leaves a query without a budget as it is', () => {
    expect(stripBudget('under the sink dishwasher')).toBe('under the sink dishwasher');
    expect(stripBudget(' 55 inch tv ')).toBe('55 inch tv');
  });
});
