/**
 * `strata train rerank|classify`: heads from judgments (real or synthetic) and from labelled texts. Progress goes
 * to stderr, the summary table to stdout, JSON + markdown reports to `--report-dir`.
 *
 * @example
 *   strata train rerank --data ../shared/data/scifact --index scifact-text_minilm-text_chargram --name default
 *   strata train classify --train ../shared/data/banking77/train.csv --test ../shared/data/banking77/test.csv \
 *     --label-col category --encoders text/minilm --name banking77
 */
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { loadBeirJudgments } from '../../../training/data/beir.ts';
import { judgmentFormat, readJudgments } from '../../../training/data/judgments.ts';
import { readLabelled, type LabelledText } from '../../../training/data/labelled.ts';
import { trainClassifyHeads } from '../../../training/classify/train-classify.ts';
import { trainRerankHeads } from '../../../training/rerank/train-rerank.ts';
import { markdownTable, progress, writeReport } from '../../../training/report/write.ts';
import { list, nonNegativeInt, openRuntime, textEncodersOf } from '../../../training/runtime.ts';
import { createRng } from '../../../training/eval/stats.ts';
import { splitQueries } from '../../../training/data/beir.ts';
import { judgedCandidates } from '../../../training/rerank/eval-rerank.ts';
import { registerFusion } from '../train-fusion.ts';
import { parseOosTarget } from '../../../training/eval/oos-metrics.ts';
import { evaluationMarkdown, headDetails, headsTable, tradeOffSvg } from '../../../training/classify/report.ts';
import { OOS_SCORES, type OosScore } from '../../heads/classify-fields.ts';
import { gradesOption, judgmentColumnsOption, localDataInputs, queriesOption, type JudgmentFlags } from '../judgment-options.ts';

const log = (m: string) => console.error(m);
const numbers = (s: string) => list(s).map(Number);
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;

interface RerankOpts extends JudgmentFlags {
  data?: string;
  judgments?: string;
  view: string;
  candidates: string;
  useSplit: boolean;
  devSplit: string;
  evalData?: string;
  adaptersDir?: string;
  split: string;
  index: string;
  encoders?: string;
  devFraction: string;
  seed: string;
  window?: string;
  interactionDims: string;
  name: string;
  types: string;
  lrTrainer: string;
  lrEpochs: string;
  lrSteps: string;
  lrRate?: string;
  xgbMaxRows: string;
  xgbRounds: string;
  xgbDepth: string;
  eta: string;
  outDir: string;
  reportDir: string;
  concurrency: string;
}

interface ClassifyOpts {
  train: string;
  test?: string;
  testFraction: string;
  seed: string;
  textCol: string;
  labelCol: string;
  imageTemplate?: string;
  skipEmpty?: boolean;
  encoders: string;
  types: string;
  name: string;
  recipe: string;
  blockLevels: string;
  cs: string;
  selectionRows: string;
  maxIter: string;
  ablation: boolean;
  calibrationFraction: string;
  oos?: string;
  oosTarget: string;
  oosScore: string;
  oosDraws: string;
  epochs: string;
  l2: string;
  lr: string;
  xgbRounds: string;
  xgbDepth: string;
  eta: string;
  xgbDims: string;
  bootstrap: string;
  outDir: string;
  reportDir: string;
}

function parseRecipe(text: string): 'block-lr' | 'adam' {
  if (text === 'block-lr' || text === 'adam') return text;
  throw new Error(`--recipe: expected block-lr or adam, got "${text}"`);
}

function parseOosScore(text: string): OosScore | 'auto' {
  if (text === 'auto' || (OOS_SCORES as readonly string[]).includes(text)) return text as OosScore | 'auto';
  throw new Error(`--oos-score: expected auto or one of ${OOS_SCORES.join(', ')}, got "${text}"`);
}

/** Random stratification-free split of labelled rows (for files that come without a test split). */
function holdOut(rows: LabelledText[], fraction: number, seed: number): { train: LabelledText[]; test: LabelledText[] } {
  const rand = createRng(seed);
  const order = rows.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const cut = Math.round(rows.length * fraction);
  const testIdx = new Set(order.slice(0, cut));
  return { train: rows.filter((_, i) => !testIdx.has(i)), test: rows.filter((_, i) => testIdx.has(i)) };
}

/** Adds `train rerank`, `train classify` and `train fusion`. */
export function register(program: Command, config: Config): void {
  const train = program.command('train').description('train heads (rerank from judgments, classify from labelled texts) and index tunings (fusion)');
  registerFusion(train, config);

  train
    .command('rerank')
    .description('train LR and XGBoost rerank heads on first-stage candidates of judged queries (dev split by query, early stopping on dev nDCG@10)')
    .option('--data <dir>', 'a BEIR folder (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) giving queries and judgments')
    .option('--judgments <file>', 'judgments CSV/JSONL (query_id, query, doc_id, grade), e.g. from `strata synth`')
    .addOption(judgmentColumnsOption())
    .addOption(gradesOption())
    .addOption(queriesOption())
    .option('--split <name>', 'qrels split of --data', 'train')
    .option('--view <views>', 'index: all features (documents by id and /v1/search); inline: request-local features only, for /v1/rerank with inline documents (names get -inline); index,inline: both from one first-stage pass', 'index')
    .option('--no-use-split', 'ignore the split column of --judgments (`strata synth` holds out documents for dev) and split queries at random')
    .option('--dev-split <how>', 'with a split column: held-out (its dev queries) or random (drop its dev queries, split its training queries at random, the way synthetic dev worked before)', 'held-out')
    .option('--eval-data <dir>', 'a BEIR folder whose dev queries (same --dev-fraction/--seed) every sweep point is also scored on, e.g. real judgments beside synthetic ones')
    .option('--adapters-dir <dir>', 'where query adapters named by index tunings live', undefined)
    .requiredOption('--index <alias>', 'the index (alias) to retrieve from')
    .option('--encoders <ids>', 'text encoders of the index, kNN encoder first (default: from the index mapping)')
    .option('--dev-fraction <f>', 'share of queries held out for dev', '0.2')
    .option('--seed <n>', 'split seed', '13')
    .option('--window <n>', 'first-stage window', String(config.retrieval.window))
    .option('--candidates <which>', "what each query's rows are: index (its first-stage window over the whole index; unjudged documents there are negatives) or judged (its judged documents the index holds, ranked as /v1/rerank ranks ids: ESCI's reranking task and shallow judgments)", 'index')
    .option('--interaction-dims <k>', 'append k query-document interaction features (ix:*; serve with STRATA_INTERACTION_DIMS=k)', String(config.retrieval.interactionDims))
    .option('--name <name>', 'artifact name prefix (`default` also writes the best head as default.json)', 'default')
    .option('--types <list>', 'head types', 'lr,xgb')
    .option('--lr-trainer <name>', 'LR trainer: adam (fast, Float32Array) or ml (ml-logistic-regression, slow)', 'adam')
    .option('--lr-epochs <list>', 'adam: epochs tried (best on dev kept)', '1,3,10,30')
    .option('--lr-steps <list>', 'ml: gradient steps tried (best on dev kept)', '100,300,1000')
    .option('--lr-rate <x>', 'LR learning rate (default: 0.01 adam, 0.5 ml)')
    .option('--xgb-max-rows <n>', 'XGBoost trains on at most this many rows (negatives subsampled; lowered to keep rows x features <= 1.2M for ml-xgboost\'s fixed WASM heap)', '40000')
    .option('--xgb-rounds <list>', 'XGBoost rounds tried (best on dev kept)', '25,50,100,200')
    .option('--xgb-depth <n>', 'XGBoost max depth', '4')
    .option('--eta <x>', 'XGBoost learning rate', '0.1')
    .option('--out-dir <dir>', 'where artifacts are written (the service loads *.json there)', config.headsDir)
    .option('--report-dir <dir>', 'where reports are written', 'reports')
    .option('--concurrency <n>', 'queries in flight', '4')
    .action(async (o: RerankOpts) => {
      o = await localDataInputs(o, config.cacheDir);
      if (!o.data === !o.judgments) throw new Error('give exactly one of --data <beir dir> or --judgments <file>');
      const views = list(o.view);
      if (!views.length || views.some((v) => v !== 'index' && v !== 'inline')) throw new Error(`--view must be index, inline or index,inline; got "${o.view}"`);
      const judgments = o.judgments ? await readJudgments(o.judgments, judgmentFormat(o.judgmentColumns, o.grades, o.queries)) : undefined;
      const source = judgments ?? (await loadBeirJudgments(o.data!, { split: o.split }));
      let splits = judgments?.splits.size && o.useSplit ? judgments.splits : undefined;
      if (splits && o.devSplit === 'random') {
        const trainOnly = [...splits].filter(([, s]) => s === 'train').map(([id]) => id);
        const random = splitQueries(trainOnly, { devFraction: Number(o.devFraction), seed: Number(o.seed) });
        splits = new Map([...random.train.map((id) => [id, 'train'] as const), ...random.dev.map((id) => [id, 'dev'] as const)]);
      } else if (o.devSplit !== 'held-out' && o.devSplit !== 'random') throw new Error(`--dev-split must be held-out or random, got "${o.devSplit}"`);
      const evalData = o.evalData ? await loadBeirJudgments(o.evalData, { split: o.split }) : undefined;
      if (o.candidates !== 'index' && o.candidates !== 'judged') throw new Error(`--candidates must be index or judged, got "${o.candidates}"`);
      const rt = openRuntime(config, o.adaptersDir ? { adaptersDir: o.adaptersDir } : {});
      try {
        const encoders = await textEncodersOf(rt.es, o.index, o.encoders, config.retrieval.textEncoders);
        const judgedOnly = o.candidates === 'judged' ? await judgedCandidates(rt.es, o.index, source.qrels, [...source.qrels.keys()]) : undefined;
        if (judgedOnly?.missing) console.error(`${judgedOnly.missing} judged documents are not in ${o.index}: left out`);
        const bar = progress('');
        const result = await trainRerankHeads({
          client: rt.es,
          pool: rt.pool,
          queryEmbedder: rt.queryEmbedder,
          index: o.index,
          queries: source.queries,
          qrels: source.qrels,
          views: views as Array<'index' | 'inline'>,
          tuning: rt.tuning,
          ...(splits ? { splits } : {}),
          ...(evalData
            ? {
                extraDev: {
                  label: 'eval-data dev',
                  queries: evalData.queries,
                  qrels: evalData.qrels,
                  ids: splitQueries(
                    [...evalData.qrels.keys()].filter((id) => evalData.queries.has(id) && [...evalData.qrels.get(id)!.values()].some((g) => g > 0)),
                    { devFraction: Number(o.devFraction), seed: Number(o.seed) },
                  ).dev,
                },
              }
            : {}),
          encoders,
          window: Number(o.window),
          rrfK: config.retrieval.rrfK,
          ...(judgedOnly ? { candidates: judgedOnly.candidates } : {}),
          interactionDims: nonNegativeInt(o.interactionDims, '--interaction-dims'),
          devFraction: Number(o.devFraction),
          seed: Number(o.seed),
          name: o.name,
          types: list(o.types) as Array<'lr' | 'xgb'>,
          lrTrainer: o.lrTrainer === 'ml' ? 'ml' : 'adam',
          lrEpochs: numbers(o.lrEpochs),
          lrSteps: numbers(o.lrSteps),
          ...(o.lrRate ? { lrLearningRate: Number(o.lrRate) } : {}),
          xgbMaxRows: Number(o.xgbMaxRows),
          xgbRounds: numbers(o.xgbRounds),
          xgbDepth: Number(o.xgbDepth),
          eta: Number(o.eta),
          outDir: o.outDir,
          concurrency: Number(o.concurrency),
          provenance: { source: `${o.data ? `beir:${path.resolve(o.data)} (${o.split})` : `judgments:${path.resolve(o.judgments!)}`}${judgedOnly ? ', judged candidates' : ''}` },
          log,
          onProgress: (what, done, total) => bar(done, total, what),
        });
        const extra = (h: (typeof result.heads)[number]) => h.sweep.find((p) => p.value === h.chosen)?.extraDevNdcg10 ?? '-';
        const rows = result.heads.map((h) => [h.head, `${h.chosen} ${h.unit}`, h.dev.ndcg10, h.dev.mrr10, h.dev.recall100, ...(evalData ? [extra(h)] : []), `${h.trainSeconds.toFixed(1)} s`, kb(h.artifactBytes)]);
        const table = markdownTable(
          ['head', 'chosen', 'dev nDCG@10', 'dev MRR@10', 'dev R@100', ...(evalData ? ['eval-data dev nDCG@10'] : []), 'train time', 'artifact'],
          [['hybrid (no head)', '-', result.devHybrid.ndcg10, result.devHybrid.mrr10, result.devHybrid.recall100, ...(evalData ? ['-'] : []), '-', '-'], ...rows],
          4,
        );
        console.log(table);
        const { heads, ...summary } = result;
        const json = { ...summary, heads: heads.map(({ artifact: _a, ...h }) => h), date: new Date().toISOString() };
        const md = `# train rerank ${o.name}\n\nindex \`${o.index}\`, encoders ${encoders.join(', ')}, ${result.trainQueries} train / ${result.devQueries} dev queries, ${result.rows} rows (${result.positives} positive)\n\n${table}`;
        for (const f of await writeReport(o.reportDir, `train-rerank-${o.name}`, json, md)) log(`report: ${f}`);
      } finally {
        await rt.close();
      }
    });

  train
    .command('classify')
    .description('train classification heads (block-weighted LR by default, XGBoost on principal components) on concatenated encoder embeddings, with calibrated probabilities and an out-of-scope abstain rule')
    .requiredOption('--train <file>', 'labelled CSV/JSONL')
    .option('--test <file>', 'labelled CSV/JSONL for the test scores (rows with labels the heads do not know count as out of scope); else --test-fraction of --train is held out')
    .option('--test-fraction <f>', 'held-out share when there is no --test', '0.2')
    .option('--seed <n>', 'hold-out, calibration-split and selection seed', '13')
    .option('--text-col <name>', 'text column', 'text')
    .option('--label-col <name>', 'label column', 'label')
    .option('--image-template <tpl>', 'image path for image encoders, columns in braces, e.g. ../shared/data/fashion-products/images/{id}.jpg')
    .option('--skip-empty', 'skip (and count) rows whose text or label is empty instead of stopping')
    .option('--encoders <ids>', 'encoders whose embeddings are concatenated', 'text/minilm')
    .option('--types <list>', 'head types', 'lr')
    .requiredOption('--name <name>', 'artifact name prefix (<name>-lr.json, <name>-xgb.json)')
    .option('--recipe <name>', 'LR recipe: block-lr (blocks centred, weighted, weights and C by cross-validation, L-BFGS) or adam (the earlier mini-batch softmax regression)', 'block-lr')
    .option('--block-levels <list>', 'block-lr: weights tried for every block but the first', '1,0.5,0.25')
    .option('--cs <list>', 'block-lr: Cs tried (scikit-learn\'s C)', '30,100')
    .option('--selection-rows <n>', 'block-lr: cross-validate on a stratified subsample of at most this many rows', '3000')
    .option('--max-iter <n>', 'block-lr: L-BFGS iterations of the final fit', '60')
    .option('--no-ablation', 'block-lr: skip refitting without each block')
    .option('--calibration-fraction <f>', 'share of the training rows held out (stratified) for temperature scaling and the abstain rule (0: neither)', '0.15')
    .option('--oos <file>', 'labelled out-of-scope examples (CSV/JSONL, --text-col; labels ignored) for choosing the threshold')
    .option('--oos-target <metric:value>', 'what the threshold must reach: precision:<p> (in-scope precision of the answers) or oos-recall:<r>', 'precision:0.9')
    .option('--oos-score <name>', 'in-scope score to abstain on: auto (highest AUROC), max_probability, energy or centroid', 'auto')
    .option('--oos-draws <n>', 'without --oos: refits with a quarter of the classes left out (a new quarter each draw), whose rows play the unknown intents (0: in-scope rows only, precision targets only)', '3')
    .option('--epochs <n>', 'adam: epochs', '30')
    .option('--l2 <x>', 'adam: L2 penalty', '0.0001')
    .option('--lr <x>', 'adam: learning rate', '0.001')
    .option('--xgb-rounds <n>', 'XGBoost rounds', '100')
    .option('--xgb-depth <n>', 'XGBoost max depth', '4')
    .option('--eta <x>', 'XGBoost learning rate', '0.3')
    .option('--xgb-dims <n>', 'XGBoost: principal components of the weighted blocks fed to the trees (capped by ml-xgboost\'s heap)', '64')
    .option('--bootstrap <n>', 'bootstrap samples for the test intervals', '1000')
    .option('--out-dir <dir>', 'where artifacts are written', config.headsDir)
    .option('--report-dir <dir>', 'where reports are written', 'reports')
    .action(async (o: ClassifyOpts) => {
      let skipped = 0;
      const cols = { textCol: o.textCol, labelCol: o.labelCol, skipEmpty: !!o.skipEmpty, onSkip: (line: number, reason: string) => skipped++ < 5 && log(`skipped line ${line}: ${reason}`) };
      const all = await readLabelled(o.train, cols);
      const { train: trainRows, test } = o.test ? { train: all, test: await readLabelled(o.test, cols) } : holdOut(all, Number(o.testFraction), Number(o.seed));
      // An OOS file needs no label column (every row is out of scope): the text stands in as the ignored label.
      const oos = o.oos ? await readLabelled(o.oos, { textCol: o.textCol, labelCol: o.textCol }) : undefined;
      if (skipped) log(`${skipped} rows skipped (empty text or label)`);
      const encoders = list(o.encoders);
      const rt = openRuntime(config, { es: false });
      try {
        const bar = progress('');
        const tpl = o.imageTemplate;
        const results = await trainClassifyHeads(
          {
            pool: rt.pool,
            train: trainRows,
            test,
            ...(oos ? { oos } : {}),
            encoders,
            cacheDir: config.cacheDir,
            ...(tpl ? { imageOf: (r: LabelledText) => tpl.replace(/\{(\w+)\}/g, (_, c: string) => String(r.record[c] ?? '')) } : {}),
            onProgress: (what, done, total) => bar(done, total, what),
          },
          {
            types: list(o.types) as Array<'lr' | 'xgb'>,
            name: o.name,
            outDir: o.outDir,
            recipe: parseRecipe(o.recipe),
            blockLr: { levels: numbers(o.blockLevels), cs: numbers(o.cs), selectionRows: Number(o.selectionRows), maxIter: Number(o.maxIter), seed: Number(o.seed) },
            softmax: { epochs: Number(o.epochs), l2: Number(o.l2), learningRate: Number(o.lr) },
            xgb: { iterations: Number(o.xgbRounds), maxDepth: Number(o.xgbDepth), eta: Number(o.eta), dims: Number(o.xgbDims) },
            calibrationFraction: Number(o.calibrationFraction),
            oosTarget: parseOosTarget(o.oosTarget),
            oosScore: parseOosScore(o.oosScore),
            proxyDraws: nonNegativeInt(o.oosDraws, '--oos-draws'),
            ablation: o.ablation,
            seed: Number(o.seed),
            samples: nonNegativeInt(o.bootstrap, '--bootstrap'),
            log,
          },
        );
        const table = headsTable(results);
        const details = results.map(headDetails).join('\n');
        const oosParts = results.filter((r) => r.evaluation?.oos).map((r) => `### ${r.head} on the test rows\n\n${evaluationMarkdown(r.head, r.evaluation!, `train-classify-${r.head}.svg`)}`);
        console.log(`${table}\n${details}\n${oosParts.join('\n')}`);
        const json = { train: o.train, test: o.test ?? `${o.testFraction} of train (seed ${o.seed})`, oos: o.oos ?? null, trainRows: trainRows.length, testRows: test.length, skippedRows: skipped, results: results.map(({ artifact: _a, ...r }) => r), date: new Date().toISOString() };
        const svgs = Object.fromEntries(results.filter((r) => r.evaluation?.oos).map((r) => [`train-classify-${r.head}.svg`, tradeOffSvg(`${r.head}: out-of-scope trade-off on the test rows`, r.evaluation!)]));
        const md = `# train classify ${o.name}\n\n${trainRows.length} train / ${test.length} test rows\n\n${table}\n${details}\n${oosParts.join('\n')}`;
        for (const f of await writeReport(o.reportDir, `train-classify-${o.name}`, json, md, svgs)) log(`report: ${f}`);
      } finally {
        await rt.close();
      }
    });
}

