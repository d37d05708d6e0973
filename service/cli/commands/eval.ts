/**
 * `strata eval rerank|classify`: systems compared on judged queries with confidence intervals (JSON, markdown
 * and an SVG chart under `--report-dir`), and classification heads on a labelled test file.
 *
 * @example
 *   strata eval rerank --data ../shared/data/scifact --index scifact-text_minilm-text_chargram --dev-only --heads default-lr,default-xgb
 *   strata eval classify --test ../shared/data/banking77/test.csv --label-col category --head banking77-lr
 */
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { checkHeadFeatures } from '../../heads/view.ts';
import { featureNames, interactionDimsOf } from '../../features/assemble.ts';
import { readLabelled, type LabelledText } from '../../../training/data/labelled.ts';
import { embedLabelled } from '../../../training/classify/train-classify.ts';
import { evaluateClassify, truthOf } from '../../../training/classify/evaluate.ts';
import { evaluationMarkdown, tradeOffSvg } from '../../../training/classify/report.ts';
import { loadHead } from '../../../training/heads/load.ts';
import { evaluateRerank, judgedCandidates, plannedSystems } from '../../../training/rerank/eval-rerank.ts';
import { compareRuns, formatDiff, parseComparisons } from '../../../training/eval/compare.ts';
import { barChartSvg } from '../../../training/report/svg.ts';
import { markdownTable, progress, writeReport } from '../../../training/report/write.ts';
import { list, nonNegativeInt, openRuntime, textEncodersOf } from '../../../training/runtime.ts';
import { loadJudgedSplit } from '../../../training/data/judged-split.ts';
import { gradesOption, judgmentColumnsOption, localDataInputs, queriesOption, type JudgmentFlags } from '../judgment-options.ts';

const log = (m: string) => console.error(m);
const diff = (t?: { meanDiff: number; pValue: number }) => (t ? `${t.meanDiff >= 0 ? '+' : ''}${t.meanDiff.toFixed(4)} (${t.pValue.toPrecision(2)})` : '-');
const ci = (c: { mean: number; lower: number; upper: number }) => `${c.mean.toFixed(4)} [${c.lower.toFixed(3)}, ${c.upper.toFixed(3)}]`;

interface EvalRerankOpts extends JudgmentFlags {
  data?: string;
  judgments?: string;
  split: string;
  devOnly?: boolean;
  devFraction: string;
  seed: string;
  index: string;
  encoders?: string;
  knn?: string;
  hybrid?: string;
  compare: string[];
  heads: string;
  headsDir: string;
  window: string;
  candidates: string;
  interactionDims?: string;
  reportDir: string;
  report: string;
  concurrency: string;
}

/** Adds `eval rerank` and `eval classify`. */
export function register(program: Command, config: Config): void {
  const evalCmd = program.command('eval').description('evaluate retrieval/rerank systems and classification heads');

  evalCmd
    .command('rerank')
    .description('nDCG@10, MRR@10, Recall@100 with 95 % bootstrap CIs and a paired test vs BM25 for bm25, knn:<encoder>, hybrid and hybrid+<head>')
    .option('--data <dir>', 'a BEIR folder')
    .option('--judgments <file>', 'or a judgments CSV/JSONL (query_id, query, doc_id, grade[, split])')
    .addOption(judgmentColumnsOption())
    .addOption(gradesOption())
    .addOption(queriesOption())
    .option('--split <name>', 'qrels split of --data', 'train')
    .option('--dev-only', 'only the dev queries of the same split `train rerank` makes (same --dev-fraction and --seed, or the split column of --judgments)')
    .option('--dev-fraction <f>', 'dev share (as in train rerank)', '0.2')
    .option('--seed <n>', 'split seed (as in train rerank); also the bootstrap seed', '13')
    .requiredOption('--index <alias>', 'the index (alias) to retrieve from')
    .option('--encoders <ids>', 'text encoders of the index, kNN encoder first (default: from the index mapping)')
    .option('--knn <ids>', 'encoders to run kNN alone with (default: all text encoders)')
    .option('--hybrid <ids>', 'encoders to also run plain hybrid (BM25 + kNN with that encoder, RRF) with, as hybrid:<encoder>')
    .option(
      '--compare <pair>',
      'a paired comparison "<system> vs <baseline>" (e.g. "hybrid+a-lr vs hybrid+b-lr"): mean Δ nDCG@10 with its 95 % paired-bootstrap CI and randomization p; repeatable',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--heads <list>', 'heads (names in --heads-dir, or .json paths) for hybrid+<head> systems', '')
    .option('--heads-dir <dir>', 'head artifacts directory', config.headsDir)
    .option('--window <n>', 'first-stage window', String(config.retrieval.window))
    .option('--candidates <which>', "what each system ranks: index (a first stage over the whole index) or judged (each query's judged documents the index holds, as ESCI's reranking task; adds a seeded random order as the floor)", 'index')
    .option(
      '--interaction-dims <k>',
      'interaction features (ix:*) every head must have been trained with, as the service checks STRATA_INTERACTION_DIMS (default: each head its own, so heads with and without them compare in one run)',
    )
    .option('--report-dir <dir>', 'where reports are written', 'reports')
    .option('--report <name>', 'report file name (without extension)', 'eval-rerank')
    .option('--concurrency <n>', 'queries in flight', '4')
    .action(async (o: EvalRerankOpts) => {
      o = await localDataInputs(o, config.cacheDir);
      // The dev split is the one `train rerank` makes from the same source (its split column, else by seed).
      const { source: data, split } = await loadJudgedSplit({ ...o, useSplit: true });
      const judged = [...data.qrels.keys()].filter((id) => data.queries.has(id) && [...data.qrels.get(id)!.values()].some((g) => g > 0));
      const ids = o.devOnly ? split.dev : judged;
      const rt = openRuntime(config);
      const heads = [];
      try {
        const encoders = await textEncodersOf(rt.es, o.index, o.encoders, config.retrieval.textEncoders);
        const interactionDims = o.interactionDims === undefined ? undefined : nonNegativeInt(o.interactionDims, '--interaction-dims');
        for (const h of list(o.heads)) {
          const loaded = await loadHead(h, o.headsDir);
          const a = loaded.predictor.artifact;
          checkHeadFeatures(a, featureNames({ textEncoders: encoders, interactionDims: interactionDims ?? interactionDimsOf(a.features) }));
          heads.push(loaded);
        }
        const knn = o.knn ? list(o.knn) : undefined;
        const hybrid = o.hybrid ? list(o.hybrid) : undefined;
        if (o.candidates !== 'index' && o.candidates !== 'judged') throw new Error(`--candidates must be index or judged, got "${o.candidates}"`);
        const judgedOnly = o.candidates === 'judged' ? await judgedCandidates(rt.es, o.index, data.qrels, ids) : undefined;
        if (judgedOnly?.missing) log(`${judgedOnly.missing} judged documents are not in ${o.index}: left out of every system's candidates`);
        const against = parseComparisons(o.compare, plannedSystems({ encoders, ...(knn ? { knn } : {}), ...(hybrid ? { hybrid } : {}), heads, ...(judgedOnly ? { candidates: true } : {}) }));
        log(`${ids.length} ${o.devOnly ? 'dev' : 'judged'} queries; encoders ${encoders.join(', ')}; heads ${heads.map((h) => h.name).join(', ') || '(none)'}${judgedOnly ? '; each ranks its judged documents' : ''}`);
        const bar = progress('');
        const { systems, runs } = await evaluateRerank({
          client: rt.es,
          pool: rt.pool,
          queryEmbedder: rt.queryEmbedder,
          index: o.index,
          queries: data.queries,
          qrels: data.qrels,
          ids,
          encoders,
          ...(interactionDims !== undefined ? { interactionDims } : {}),
          ...(knn ? { knn } : {}),
          ...(hybrid ? { hybrid } : {}),
          heads,
          tuning: rt.tuning,
          window: Number(o.window),
          rrfK: config.retrieval.rrfK,
          seed: Number(o.seed),
          ...(judgedOnly ? { candidates: judgedOnly.candidates } : {}),
          concurrency: Number(o.concurrency),
          onProgress: (what, done, total) => bar(done, total, what),
        });
        const table = markdownTable(
          ['system', 'nDCG@10 [95 % CI]', 'MRR@10 [95 % CI]', 'Recall@100 [95 % CI]', 'Δ nDCG@10 vs BM25 (p)', `Δ nDCG@10 vs knn:${encoders[0]} (p)`],
          systems.map((s) => [s.system, ci(s.ndcg10), ci(s.mrr10), ci(s.recall100), diff(s.vsBm25?.ndcg10), diff(s.vsKnn?.ndcg10)]),
        );
        // the same queries the systems were scored on (every id is judged), each pair with a paired-bootstrap interval
        const evaluated = new Map(ids.map((id) => [id, data.qrels.get(id)!]));
        const pairs = compareRuns(runs, evaluated, { against, seed: Number(o.seed) }).flatMap((r) => r.diffs.map((d) => ({ system: r.system, ...d })));
        const pairTable = pairs.length ? markdownTable(['system', 'baseline', 'paired Δ nDCG@10 [95 % CI], p'], pairs.map((d) => [d.system, d.baseline, formatDiff(d)])) : '';
        console.log(table);
        if (pairTable) console.log(`\n${pairTable}`);
        const title = `${o.report}: nDCG@10 on ${ids.length} ${o.devOnly ? 'dev' : 'judged'} queries (95 % bootstrap CI)`;
        const svg = barChartSvg(systems.map((s) => ({ label: s.system, value: s.ndcg10.mean, lower: s.ndcg10.lower, upper: s.ndcg10.upper })), { title });
        const json = { ...(o.data ? { data: o.data, split: o.split } : { judgments: o.judgments }), devOnly: !!o.devOnly, devFraction: Number(o.devFraction), seed: Number(o.seed), index: o.index, encoders, window: Number(o.window), candidates: o.candidates, ...(judgedOnly ? { judgedMissing: judgedOnly.missing } : {}), queries: ids.length, heads: heads.map((h) => ({ name: h.name, file: h.file, version: h.predictor.artifact.version, type: h.predictor.artifact.type, interactionDims: interactionDimsOf(h.predictor.artifact.features) })), systems, pairs, date: new Date().toISOString() };
        const md = `# ${title}\n\nindex \`${o.index}\`, window ${o.window}; p: paired randomization test on per-query nDCG@10 (10,000 sign flips)\n\n${table}\n${pairTable ? `\nPaired comparisons (95 % paired-bootstrap CI of the mean difference, randomization p):\n\n${pairTable}\n` : ''}![nDCG@10](${o.report}.svg)\n`;
        for (const f of await writeReport(o.reportDir, o.report, json, md, { [`${o.report}.svg`]: svg })) log(`report: ${f}`);
      } finally {
        heads.forEach((h) => h.predictor.dispose());
        await rt.close();
      }
    });

  evalCmd
    .command('classify')
    .description('a classify head on labelled rows: accuracy, macro-F1, calibration, per-class F1, confusions; with out-of-scope rows (--oos, or test labels the head does not know) in-scope accuracy, OOS recall and precision, AUROC and the trade-off curve, with bootstrap CIs')
    .requiredOption('--test <file>', 'labelled CSV/JSONL (rows whose label the head does not know count as out of scope)')
    .requiredOption('--head <name>', 'head name in --heads-dir, or a .json path')
    .option('--oos <file>', 'out-of-scope examples (CSV/JSONL with --text-col; labels ignored)')
    .option('--threshold <x>', "abstain below this in-scope score instead of the head's threshold")
    .option('--bootstrap <n>', 'bootstrap samples for the intervals', '1000')
    .option('--heads-dir <dir>', 'head artifacts directory', config.headsDir)
    .option('--text-col <name>', 'text column', 'text')
    .option('--label-col <name>', 'label column', 'label')
    .option('--image-template <tpl>', 'image path for image encoders, columns in braces')
    .option('--report-dir <dir>', 'where reports are written', 'reports')
    .action(async (o: { test: string; head: string; oos?: string; threshold?: string; bootstrap: string; headsDir: string; textCol: string; labelCol: string; imageTemplate?: string; reportDir: string }) => {
      const head = await loadHead(o.head, o.headsDir);
      const a = head.predictor.artifact;
      if (a.task !== 'classify' || !a.labels || !a.encoders) throw new Error(`head "${o.head}" is not a classify head with encoders and labels`);
      const threshold = o.threshold === undefined ? undefined : Number(o.threshold);
      if (threshold !== undefined && !Number.isFinite(threshold)) throw new Error(`--threshold: not a number: "${o.threshold}"`);
      const test = await readLabelled(o.test, { textCol: o.textCol, labelCol: o.labelCol });
      // Every row of an OOS file is out of scope; its text stands in as the (ignored) label.
      const oos = o.oos ? await readLabelled(o.oos, { textCol: o.textCol, labelCol: o.textCol }) : [];
      const rt = openRuntime(config, { es: false });
      try {
        const tpl = o.imageTemplate;
        const bar = progress('');
        const embed = (rows: LabelledText[]) =>
          embedLabelled(rt.pool, rows, a.encoders!, {
            cacheDir: config.cacheDir,
            ...(tpl ? { imageOf: (r: LabelledText) => tpl.replace(/\{(\w+)\}/g, (_, c: string) => String(r.record[c] ?? '')) } : {}),
            onProgress: (what, done, total) => bar(done, total, what),
          });
        const x = await embed(test);
        const xo = oos.length ? await embed(oos) : null;
        const d = a.features.length;
        const rows = new Float32Array((x.n + (xo?.n ?? 0)) * d);
        rows.set(x.rows.subarray(0, x.n * d));
        if (xo) rows.set(xo.rows.subarray(0, xo.n * d), x.n * d);
        const truth = Int32Array.from([...truthOf(test.map((r) => r.label), a.labels), ...oos.map(() => -1)]);
        const ev = evaluateClassify(head.predictor, rows, truth.length, truth, { samples: nonNegativeInt(o.bootstrap, '--bootstrap'), ...(threshold !== undefined ? { threshold } : {}) });
        const worst = [...ev.closed.perClass].filter((m) => m.support > 0).sort((p, q) => p.f1 - q.f1).slice(0, 10);
        const name = `eval-classify-${head.name}`;
        const md = [
          `# eval classify ${head.name} on ${o.test}${o.oos ? ` + ${o.oos}` : ''}\n`,
          evaluationMarkdown(head.name, ev, ev.oos ? `${name}.svg` : undefined),
          '\n## lowest per-class F1\n',
          markdownTable(['label', 'support', 'precision', 'recall', 'F1'], worst.map((m) => [m.label, m.support, m.precision, m.recall, m.f1])),
          '\n## most confused pairs\n',
          markdownTable(['true', 'predicted as', 'count'], ev.closed.confused.map((c) => [c.true, c.predicted, c.count])),
        ].join('\n');
        console.log(md);
        const extra = ev.oos ? { [`${name}.svg`]: tradeOffSvg(`${head.name}: out-of-scope trade-off (${ev.inScopeRows} in scope, ${ev.oosRows} out of scope)`, ev) } : {};
        // The closed-set scores stay at the top level (n, accuracy, macroF1, perClass, confused), as before.
        const { closed, ...rest } = ev;
        const json = { head: head.name, file: head.file, test: o.test, oosFile: o.oos ?? null, ...closed, ...rest, date: new Date().toISOString() };
        for (const f of await writeReport(o.reportDir, name, json, md, extra)) log(`report: ${f}`);
      } finally {
        head.predictor.dispose();
        await rt.close();
      }
    });
}
