/**
 * An inverse-cloze copy of a BEIR corpus for synthetic judgments: every document loses its key sentence (the one
 * `strata synth` turns into a pseudo-query), so a pseudo-query's source no longer contains the query's own words
 * verbatim, as a real relevant document does not contain the claim. Index the copy, run `strata synth --data
 * <original> --index <copy>` and train on the result; evaluate on the real index.
 *
 *   npx tsx training/scripts/ict-corpus.ts --data ../shared/data/scifact --out /tmp/scifact-ict
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readBeirCorpus } from '../data/beir.ts';
import { idfOf, keySentence, type SynthDoc } from '../synth/queries.ts';
import { exitWithHelpIfAsked } from '../script-help.ts';

exitWithHelpIfAsked(import.meta.url);
const { values: a } = parseArgs({ options: { data: { type: 'string', default: '../shared/data/scifact' }, out: { type: 'string', default: 'reports/scifact-ict' } } });
const docs: SynthDoc[] = [];
for await (const d of readBeirCorpus(a.data)) docs.push({ id: d.id, title: d.title, text: d.text });
const idf = idfOf(docs);
let removed = 0;
const lines = docs.map((d) => {
  const s = keySentence(d, idf);
  const text = s ? d.text.replace(s, '').replace(/\s{2,}/g, ' ').trim() : d.text;
  if (s) removed++;
  return JSON.stringify({ _id: d.id, title: d.title, text: text || d.text });
});
await mkdir(a.out, { recursive: true });
await writeFile(path.join(a.out, 'corpus.jsonl'), `${lines.join('\n')}\n`);
console.log(`${a.out}/corpus.jsonl: ${docs.length} documents, key sentence removed from ${removed}`);
