import { describe, expect, it } from 'vitest';
import { barChartSvg } from '../../training/report/svg.ts';
import { markdownTable, progress } from '../../training/report/write.ts';
import { subsampleNegatives } from '../../training/rerank/collect.ts';

describe('report helpers', () => {
  it('renders a markdown table with fixed decimals and escaped pipes', () => {
    expect(markdownTable(['system', 'nDCG@10'], [['bm25|x', 0.52], ['n', 3]])).toBe('| system | nDCG@10 |\n|---|---|\n| bm25\\|x | 0.520 |\n| n | 3 |\n');
  });

  it('draws one bar and one whisker per system, scaled to the largest upper bound', () => {
    const svg = barChartSvg([{ label: 'bm25', value: 0.5, lower: 0.4, upper: 0.6 }, { label: 'a<b', value: 0.3 }], { title: 't', width: 400, labelWidth: 100 });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('a&lt;b');
    // plot width = 400 - 100 - 80 = 220; 0.5 of a 0.6 scale is 183.3 px.
    expect(svg).toContain('width="183.3"');
    expect(svg.match(/<line x1="\d/g)!.length).toBe(3 + 1);
  });
});

describe('subsampleNegatives', () => {
  it('keeps every positive and a seeded sample of negatives, in row order', () => {
    const n = 20;
    const set = { rows: Float32Array.from({ length: n }, (_, i) => i), n, names: ['f'], labels: Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? 1 : 0)) };
    const small = subsampleNegatives(set, 6, 1);
    expect(small.n).toBe(6);
    expect([...small.rows].filter((v) => v % 10 === 0)).toEqual([0, 10]);
    expect([...small.rows]).toEqual([...small.rows].sort((a, b) => a - b));
    expect(subsampleNegatives(set, 6, 1).rows).toEqual(small.rows);
    expect(subsampleNegatives(set, 100, 1)).toBe(set);
  });
});

describe('progress', () => {
  it('writes plain lines in a log (first, then throttled, and each end) and one rewritten line on a terminal', () => {
    const log: string[] = [];
    const p = progress('', { tty: false, write: (s) => log.push(s), everyMs: 60_000 });
    for (let i = 1; i <= 50; i++) p(i, 50, 'bm25');
    p(1, 10, 'hybrid');
    expect(log).toEqual(['bm25: 1/50\n', 'bm25: 50/50\n']);
    const term: string[] = [];
    const t = progress('embed', { tty: true, write: (s) => term.push(s), everyMs: 0 });
    t(1, 2);
    t(2, 2);
    expect(term).toEqual(['\rembed: 1/2', '\rembed: 2/2\n']);
  });
});
