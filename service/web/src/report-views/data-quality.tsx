/** A `data-quality` report: duplicate clusters as graphs, field problems, numeric outliers and judgment coverage. */
import { ClusterPlot } from '../plots/cluster-plot.tsx';
import { duplicateClusters } from '../plots/clusters.ts';
import { BarChart } from '../plots/bar-chart.tsx';
import { fmt } from '../plots/scale.ts';

export interface DataQualityReport {
  source?: string;
  documents: number;
  invalidCount?: number;
  exactDuplicates: { groups: number; documents: number; examples: string[][] };
  nearDuplicates: { threshold: number; pairs: number; examples: Array<{ a: string; b: string; cosine: number }> } | null;
  fields: Record<string, Record<string, { count: number; examples: string[] }>>;
  numeric: Record<string, { count: number; outliers: number; low: number; high: number }>;
  judgments: Record<string, unknown> | null;
}

export function DataQualityReportView({ report }: { report: DataQualityReport }) {
  const clusters = duplicateClusters(report.exactDuplicates.examples ?? [], report.nearDuplicates?.examples ?? []);
  const problems = Object.entries(report.fields ?? {}).flatMap(([field, ps]) => Object.entries(ps).map(([p, v]) => ({ label: `${field}: ${p}`, value: v.count, examples: v.examples })));
  return (
    <div class="report data-quality">
      <p>
        {report.source ? <>source <code>{report.source}</code>: </> : null}
        {report.documents} documents, {report.invalidCount ?? 0} invalid rows; {report.exactDuplicates.groups} exact duplicate groups ({report.exactDuplicates.documents} documents),{' '}
        {report.nearDuplicates ? `${report.nearDuplicates.pairs} near-duplicate pairs (cosine ≥ ${report.nearDuplicates.threshold})` : 'near duplicates not checked'}
      </p>
      <h3>Duplicate clusters{clusters.length ? ` (the report's examples: ${clusters.length})` : ''}</h3>
      <ClusterPlot clusters={clusters} />
      {problems.length ? <BarChart title="Field problems (documents)" digits={0} items={problems} /> : <p class="note">No field problems.</p>}
      <table>
        <caption>numeric outliers (outside the IQR fences)</caption>
        <thead>
          <tr>
            <th scope="col">field</th>
            <th scope="col">outliers</th>
            <th scope="col">of</th>
            <th scope="col">fences</th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(report.numeric ?? {}).map(([k, v]) => (
            <tr>
              <th scope="row">{k}</th>
              <td>{v.outliers}</td>
              <td>{v.count}</td>
              <td>{`[${fmt(v.low, 2)}, ${fmt(v.high, 2)}]`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.judgments ? (
        <table>
          <caption>judgments</caption>
          <tbody>
            {Object.entries(report.judgments).map(([k, v]) => (
              <tr>
                <th scope="row">{k}</th>
                <td>{typeof v === 'number' ? fmt(v, 3) : JSON.stringify(v)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
