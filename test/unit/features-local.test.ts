import { describe, expect, it } from 'vitest';
import { docFields } from '../../service/features/fields.ts';
import { bm25Scores, candidateStats, candidateTokens, fieldTokens, idf, queryStems, type LexicalStats } from '../../service/features/local-bm25.ts';
import { localFirstStage } from '../../service/features/local-first-stage.ts';
import { stemmedText } from '../../service/retrieval/stem.ts';

describe('docFields', () => {
  it('takes a short first line of an untitled text as its title, and leaves titled or one-line texts alone', () => {
    expect(docFields({ description: 'Aspirin and colon cancer\nA randomised trial of aspirin.' })).toMatchObject({ title: 'Aspirin and colon cancer', body: 'A randomised trial of aspirin.' });
    expect(docFields({ title: 'T', description: 'first\nsecond' })).toMatchObject({ title: 'T', body: 'first\nsecond' });
    expect(docFields({ description: 'just one line' })).toMatchObject({ title: '', body: 'just one line' });
    const long = `${'word '.repeat(40)}\nrest`;
    expect(docFields({ description: long }).title).toBe('');
    expect(docFields({ title: 'x', category: 'a/b', attributes: { colour: 'red', size_l: 5, new: true } })).toMatchObject({ category: 'a b', attributes: 'red 5' });
  });
});

describe('local BM25', () => {
  it('tokenises into the same Porter stems the index stores, counting only query stems', () => {
    const stems = queryStems('Energy-efficient fridges');
    expect(stems).toEqual(stemmedText('Energy-efficient fridges').split(' '));
    expect(fieldTokens('Two fridges and a fridge, energy saving', stems)).toEqual({ length: 7, tf: { fridg: 2, energi: 1 } });
    // Short words are stemmed too; matching is by stem, as in the index ("cry" and "cries" differ under Porter).
    expect(fieldTokens('cries cry happiness', queryStems('cries happy')).tf).toEqual({ cri: 1, happi: 1 });
    expect(fieldTokens('RF28R7351 fridge', queryStems('rf28r7351')).tf).toEqual({ rf28r7351: 1 });
  });

  it('scores like textbook BM25 with candidate statistics and prefers rarer terms', () => {
    const docs = ['quiet fridge', 'loud fridge with a freezer', 'quiet dishwasher'].map((d) => docFields({ title: d }));
    const stems = queryStems('quiet fridge');
    const tokens = docs.map((f) => candidateTokens(f, stems));
    const stats = candidateStats(stems, tokens);
    expect(stats.title).toMatchObject({ docCount: 3, df: { quiet: 2, fridg: 2 } });
    const scores = bm25Scores(stems, tokens, stats);
    expect(scores[0]).toBeGreaterThan(scores[1]!);
    expect(scores[0]).toBeGreaterThan(scores[2]!);
    const avg = (2 + 5 + 2) / 3;
    const want = (df: number, len: number) => (idf(3, df) * 2.2) / (1 + 1.2 * (0.25 + (0.75 * len) / avg));
    expect(scores[0]).toBeCloseTo(want(2, 2) * 2, 9);
    // Index statistics change the weights: a term rare in the index counts more.
    const index: LexicalStats = { source: 'index', title: { docCount: 1000, avgLength: 4, df: { quiet: 5, fridg: 400 } }, body: { docCount: 1000, avgLength: 50, df: {} } };
    const withIndex = bm25Scores(stems, tokens, index);
    expect(withIndex[2]! / withIndex[1]!).toBeGreaterThan(scores[2]! / scores[1]!);
  });

  it('ranks candidates locally: BM25 ranks skip non-matching ones, fused ranks cover everyone', () => {
    const docs = ['quiet fridge', 'dishwasher', 'fridge'].map((d) => docFields({ title: d }));
    const local = localFirstStage('quiet fridge', docs, [0.1, 0.9, null]);
    expect(Array.from(local.bm25Rank)).toEqual([1, 0, 2]);
    expect(Array.from(local.cosineRank)).toEqual([2, 1, 0]);
    expect(Array.from(local.fusedRank)).toEqual([1, 2, 3]);
    expect(local.stats.source).toBe('candidates');
  });
});
