import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { cleanText } from '../../service/catalog/clean.ts';
import { readJsonl } from '../../service/catalog/read.ts';
import { CatalogDocumentSchema, describeIssues } from '../../service/catalog/schema.ts';
import { main, makeDemoCatalog, writeDemoCatalog } from './make-catalog.ts';

const docs = makeDemoCatalog({ seed: 42 });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'strata-demo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('makeDemoCatalog', () => {
  it('makes 300 documents that pass the catalog schema', () => {
    expect(docs).toHaveLength(300);
    const failures = docs.flatMap((d) => {
      const r = CatalogDocumentSchema.safeParse(d);
      return r.success ? [] : [`${String(d.id)}: ${describeIssues(r.error).join('; ')}`];
    });
    expect(failures).toEqual([]);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    expect(makeDemoCatalog({ seed: 42 })).toEqual(docs);
    // pinned so an accidental change to the generator (and so to the shipped demo) shows up here
    expect(docs[0]?.title).toBe('Bosch 550 L Top Freezer Refrigerator B36CT68LNS');
    const other = makeDemoCatalog({ seed: 43 });
    expect(other.map((d) => d.title)).not.toEqual(docs.map((d) => d.title));
  });

  it('has unique ids and titles, positive prices in USD and the synthetic marker', () => {
    expect(new Set(docs.map((d) => d.id)).size).toBe(300);
    expect(new Set(docs.map((d) => d.title)).size).toBe(300);
    for (const d of docs) {
      expect(typeof d.id === 'string' && d.id.length > 0).toBe(true);
      expect(d.title.length).toBeGreaterThan(10);
      expect(d.price).toBeGreaterThan(0);
      expect(d.currency).toBe('USD');
      expect(d.attributes?.synthetic).toBe('true');
    }
  });

  it('covers a dozen categories in a two- and three-level tree, about evenly', () => {
    const counts = new Map<string, number>();
    for (const d of docs) counts.set(d.category!, (counts.get(d.category!) ?? 0) + 1);
    expect(counts.size).toBe(12);
    for (const [category, n] of counts) {
      expect(category).toMatch(/^(appliances|electronics)\/[a-z-]+(\/[a-z-]+)?$/);
      expect(n).toBe(25);
    }
    // siblings under one parent, for hierarchical category tests
    expect([...counts.keys()].filter((c) => c.startsWith('appliances/kitchen/')).length).toBeGreaterThanOrEqual(4);
  });

  it('keeps dates, ratings and prices in realistic ranges', () => {
    for (const d of docs) {
      expect(d.release_date! >= '2018-01-01' && d.release_date! <= '2026-12-31').toBe(true);
      if (d.rating !== undefined) {
        expect(d.rating).toBeGreaterThanOrEqual(1);
        expect(d.rating).toBeLessThanOrEqual(5);
        expect(d.review_count).toBeGreaterThan(0);
      }
    }
    const price = (category: string) =>
      docs.filter((d) => d.category === category).map((d) => d.price!).sort((a, b) => a - b);
    const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
    // a fridge costs more than a microwave in any plausible catalog
    expect(median(price('appliances/kitchen/fridges'))).toBeGreaterThan(3 * median(price('appliances/kitchen/microwaves')));
    const years = new Set(docs.map((d) => d.release_date!.slice(0, 4)));
    expect(years.size).toBeGreaterThanOrEqual(8);
  });

  it('mixes optional fields: some rows without description, reviews, rating or location', () => {
    const share = (f: (d: (typeof docs)[number]) => boolean) => docs.filter(f).length / docs.length;
    expect(share((d) => d.description === undefined)).toBeGreaterThan(0.01);
    expect(share((d) => d.description === undefined)).toBeLessThan(0.15);
    expect(share((d) => (d.reviews?.length ?? 0) > 0)).toBeGreaterThan(0.3);
    expect(share((d) => d.rating === undefined)).toBeGreaterThan(0.02);
    expect(share((d) => d.location !== undefined)).toBeGreaterThan(0.2);
    expect(share((d) => d.location !== undefined)).toBeLessThan(0.6);
  });

  it('puts HTML and markdown noise in some descriptions, which cleaning removes', () => {
    const descriptions = docs.flatMap((d) => (d.description ? [d.description] : []));
    const noisy = descriptions.filter((t) => /<p>|<br\/>|\*\*|&amp;|&nbsp;/.test(t));
    expect(noisy.length).toBeGreaterThan(descriptions.length * 0.2);
    expect(noisy.length).toBeLessThan(descriptions.length * 0.8);
    for (const kind of ['<p>', '**', '&amp;', '<li>', '&nbsp;']) {
      expect(descriptions.some((t) => t.includes(kind))).toBe(true);
    }
    for (const t of noisy) {
      const { text } = cleanText(t);
      expect(text).not.toMatch(/<\/?[a-z]+|\*\*|&amp;|&nbsp;/);
      expect(text.length).toBeGreaterThan(10);
    }
  });

  it('writes reviews whose tone follows the rating', () => {
    const complaintWords = /stopped|leak|jams|walks|musty|longer|flimsy|not worth|slow|weak|noisy|warm|drops|headache|tiny|barely lasts|wet|came off|hot|disconnect|rattles|loud|blooming|clogs|three hours|fans|dongle|too big/i;
    const negShare = (rows: typeof docs) => {
      const reviews = rows.flatMap((d) => d.reviews ?? []);
      return reviews.filter((r) => complaintWords.test(r)).length / reviews.length;
    };
    const high = docs.filter((d) => (d.rating ?? 0) >= 4.5);
    const low = docs.filter((d) => d.rating !== undefined && d.rating < 3.5);
    expect(negShare(low)).toBeGreaterThan(negShare(high));
  });
});

describe('writeDemoCatalog and main', () => {
  it('writes JSONL that the catalog reader accepts line by line', async () => {
    const file = path.join(dir, 'nested', 'catalog.jsonl');
    expect(await writeDemoCatalog(file, { seed: 42 })).toEqual({ path: file, count: 300 });
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(300);
    expect(JSON.parse(lines[0]!)).toEqual(docs[0]);
    let ok = 0;
    for await (const row of readJsonl(createReadStream(file))) {
      expect(row.ok ? [] : row.errors).toEqual([]);
      if (row.ok) ok++;
    }
    expect(ok).toBe(300);
  });

  it('takes the output path, seed and count from the command line', async () => {
    const file = path.join(dir, 'cli.jsonl');
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await main([file, '--seed', '7', '--count', '24']);
    log.mockRestore();
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(makeDemoCatalog({ seed: 7, count: 24 }));
    await expect(main([file, '--count', 'many'])).rejects.toThrow(/--count/);
  });
});
