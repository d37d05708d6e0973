/** An `eval rerank` report: nDCG@10 per system with its 95 % interval, and the table of every metric. */
import { BarChart } from '../plots/bar-chart.tsx';
import { fmt } from '../plots/scale.ts';

interface CI {
  mean: number;
  lower: number;
  upper: number;
}
interface SystemRow {
  system: string;
  ndcg10: CI;
  mrr10?: CI;
  recall100?: CI;
  vsBm25?: { ndcg10?: { meanDiff: number; pValue: number } } | null;
}
export interface EvalRerankReport {
  systems: SystemRow[];
  queries: number;
  index?: string;
  data?: string;
  split?: string;
  devOnly?: boolean;
  encoders?: string[];
  window?: number;
}

const ci = (c?: CI) => (c ? `${fmt(c.mean)} [${fmt(c.lower)}, ${fmt(c.upper)}]` : '–');

export function EvalRerankReportView({ report }: { report: EvalRerankReport }) {
  const title = `nDCG@10 on ${report.queries} ${report.devOnly ? 'dev' : 'judged'} queries (95 % bootstrap CI)`;
  return (
    <div class="report eval-rerank">
      <p>
        {report.data ? <>data <code>{report.data}</code>{report.split ? ` (${report.split})` : ''}, </> : null}
        {report.index ? <>index <code>{report.index}</code>, </> : null}
        {report.encoders?.length ? <>encoders {report.encoders.join(', ')}, </> : null}
        {report.window ? `window ${report.window}` : null}
      </p>
      <BarChart title={title} items={report.systems.map((s, i) => ({ label: s.system, value: s.ndcg10.mean, lower: s.ndcg10.lower, upper: s.ndcg10.upper, muted: i === 0 }))} />
      <table>
        <caption>every metric, with 95 % intervals; Δ against BM25 with the paired randomization test's p</caption>
        <thead>
          <tr>
            <th scope="col">system</th>
            <th scope="col">nDCG@10</th>
            <th scope="col">MRR@10</th>
            <th scope="col">Recall@100</th>
            <th scope="col">Δ nDCG@10 vs BM25 (p)</th>
          </tr>
        </thead>
        <tbody>
          {report.systems.map((s) => (
            <tr>
              <th scope="row">{s.system}</th>
              <td>{ci(s.ndcg10)}</td>
              <td>{ci(s.mrr10)}</td>
              <td>{ci(s.recall100)}</td>
              <td>{s.vsBm25?.ndcg10 ? `${s.vsBm25.ndcg10.meanDiff >= 0 ? '+' : ''}${fmt(s.vsBm25.ndcg10.meanDiff, 4)} (${s.vsBm25.ndcg10.pValue.toPrecision(2)})` : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
