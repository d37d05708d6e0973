/** An `eval classify` report: accuracy and macro-F1, F1 per class (worst first) and the most confused pairs. */
import { BarChart } from '../plots/bar-chart.tsx';
import { fmt } from '../plots/scale.ts';

export interface EvalClassifyReport {
  head?: string;
  test?: string;
  n: number;
  accuracy: number;
  macroF1: number;
  perClass: Array<{ label: string; support: number; precision: number; recall: number; f1: number }>;
  confused: Array<{ true: string; predicted: string; count: number }>;
}

/** Classes drawn at most (a chart of hundreds of bars reads as noise; the worst are what one acts on). */
const MAX_CLASSES = 40;

export function EvalClassifyReportView({ report }: { report: EvalClassifyReport }) {
  const classes = report.perClass.filter((c) => c.support > 0).sort((a, b) => a.f1 - b.f1);
  const shown = classes.slice(0, MAX_CLASSES);
  return (
    <div class="report eval-classify">
      <p>
        {report.head ? <>head <code>{report.head}</code>, </> : null}
        {report.test ? <>test file <code>{report.test}</code>, </> : null}
        accuracy <strong>{fmt(report.accuracy * 100, 2)} %</strong>, macro-F1 <strong>{fmt(report.macroF1 * 100, 2)} %</strong> over {report.n} rows
      </p>
      <BarChart title={`F1 per class${classes.length > shown.length ? ` (the ${shown.length} lowest of ${classes.length})` : ''}`} max={1} items={shown.map((c) => ({ label: `${c.label} (${c.support})`, value: c.f1 }))} />
      {report.confused.length ? (
        <BarChart title="Most confused pairs (true → predicted, count)" digits={0} items={report.confused.map((c) => ({ label: `${c.true} → ${c.predicted}`, value: c.count }))} />
      ) : (
        <p class="note">No confusions.</p>
      )}
    </div>
  );
}
