/**
 * Models and evaluation: encoders and heads with versions and metrics (`/v1/models`), and the reports in the
 * service's report directory (`/v1/reports`) drawn as plots, each with the command that made it.
 */
import type { Loaded } from '../hooks.ts';
import { useApi } from '../hooks.ts';
import type { Models, ReportSummary } from '../types.ts';
import { ErrorBox } from '../components/error-box.tsx';
import { EvalRerankReportView, type EvalRerankReport } from '../report-views/eval-rerank.tsx';
import { EvalClassifyReportView, type EvalClassifyReport } from '../report-views/eval-classify.tsx';
import { DataQualityReportView, type DataQualityReport } from '../report-views/data-quality.tsx';
import { fmt } from '../plots/scale.ts';
import type { Shared } from './shared.ts';

const DRAWN = new Set(['eval-rerank', 'eval-classify', 'data-quality']);

function ModelTables({ models }: { models: Models }) {
  return (
    <>
      <table class="encoders">
        <caption>Encoders</caption>
        <thead>
          <tr>
            <th scope="col">id</th>
            <th scope="col">modality</th>
            <th scope="col">dim</th>
            <th scope="col">version</th>
            <th scope="col">in use</th>
            <th scope="col">weights</th>
          </tr>
        </thead>
        <tbody>
          {models.encoders.map((e) => (
            <tr data-encoder={e.id}>
              <th scope="row">{e.id}</th>
              <td>{e.modality}</td>
              <td>{e.dim}</td>
              <td>{e.version}</td>
              <td>{e.active ? 'yes' : ''}</td>
              <td class="wrap">{e.weights ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="heads">
        <caption>Heads</caption>
        <thead>
          <tr>
            <th scope="col">name</th>
            <th scope="col">task</th>
            <th scope="col">type</th>
            <th scope="col">version</th>
            <th scope="col">features</th>
            <th scope="col">metrics</th>
            <th scope="col">file</th>
          </tr>
        </thead>
        <tbody>
          {models.heads.map((h) => (
            <tr data-head={h.name}>
              <th scope="row">{h.name}</th>
              <td>{h.task}</td>
              <td>{h.type}</td>
              <td>{h.version}</td>
              <td>{h.features}</td>
              <td class="wrap">
                {Object.entries(h.metrics ?? {})
                  .map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(v, 4) : JSON.stringify(v)}`)
                  .join(', ') || '–'}
              </td>
              <td class="wrap">{h.file ?? 'built in'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {models.refused.length ? (
        <div class="error" role="alert">
          Refused artifacts (not served):
          <ul>
            {models.refused.map((r) => (
              <li>
                <code>{r.file}</code>: {r.error}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}

function ReportBody({ summary, report }: { summary: ReportSummary; report: unknown }) {
  if (summary.kind === 'eval-rerank') return <EvalRerankReportView report={report as EvalRerankReport} />;
  if (summary.kind === 'eval-classify') return <EvalClassifyReportView report={report as EvalClassifyReport} />;
  if (summary.kind === 'data-quality') return <DataQualityReportView report={report as DataQualityReport} />;
  return (
    <details>
      <summary>The report's JSON (no plot for this kind)</summary>
      <pre>{JSON.stringify(report, null, 2)}</pre>
    </details>
  );
}

export function ModelsView({ apiKey, models, report }: Shared & { models: Loaded<Models>; report: string }) {
  const list = useApi<{ dir: string; reports: ReportSummary[] }>('/v1/reports', undefined, apiKey);
  const reports = list.data?.reports ?? [];
  const chosen = report || reports.find((r) => DRAWN.has(r.kind))?.name || '';
  const one = useApi<ReportSummary & { report: unknown }>(chosen ? `/v1/reports/${encodeURIComponent(chosen)}` : null, undefined, apiKey);
  return (
    <div class="models-view">
      <section aria-labelledby="models-h">
        <h2 id="models-h">Models</h2>
        <ErrorBox error={models.error} />
        {models.data ? <ModelTables models={models.data} /> : null}
      </section>
      <section aria-labelledby="reports-h">
        <h2 id="reports-h">Evaluation reports</h2>
        <ErrorBox error={list.error} />
        {list.data ? (
          <p class="note">
            From <code>{list.data.dir}</code> (written by <code>strata eval rerank|classify</code> and <code>strata data-quality</code>; set <code>STRATA_REPORTS_DIR</code> to serve another folder).
          </p>
        ) : null}
        {list.data && !reports.length ? <p class="hint">No reports yet: run e.g. <code>npx strata eval rerank --data DIR --index products</code>.</p> : null}
        {reports.length ? (
          <p>
            <label for="report-picker">Report</label>
            <select id="report-picker" value={chosen} onChange={(e) => (location.hash = `#/models/${encodeURIComponent(e.currentTarget.value)}`)}>
              {reports.map((r) => (
                <option value={r.name}>{`${r.name} (${r.kind}, ${r.date.slice(0, 16).replace('T', ' ')})`}</option>
              ))}
            </select>
          </p>
        ) : null}
        <ErrorBox error={one.error} />
        {one.data ? (
          <article class="report-view" data-report={one.data.name} data-kind={one.data.kind}>
            <h3>{one.data.name}</h3>
            <p class="command">
              Made by: <code data-testid="report-command">{one.data.command ?? 'not recorded (the report predates recorded commands)'}</code>
            </p>
            <ReportBody summary={one.data} report={one.data.report} />
          </article>
        ) : null}
      </section>
    </div>
  );
}
