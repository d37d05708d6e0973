/**
 * Labelled texts for classification heads (CSV/TSV/JSONL): a text column and a label column, both named by
 * the caller (Banking77: `text`, `category`).
 */
import { readTable, stringField } from './table.ts';

export interface LabelledText {
  text: string;
  label: string;
  line: number;
  /** The whole row (other columns, e.g. an image id). */
  record: Record<string, unknown>;
}

/**
 * Loads labelled texts; a row with a missing or empty text or label is an error naming file and line.
 *
 * @example const rows = await readLabelled('../shared/data/banking77/train.csv', { textCol: 'text', labelCol: 'category' });
 */
export async function readLabelled(
  file: string,
  { textCol = 'text', labelCol = 'label', skipEmpty = false, onSkip }: { textCol?: string; labelCol?: string; skipEmpty?: boolean; onSkip?: (line: number, reason: string) => void } = {},
): Promise<LabelledText[]> {
  const out: LabelledText[] = [];
  for await (const row of readTable(file)) {
    // Opt-in: a row with an empty text or label is reported through onSkip instead of stopping the load.
    const empty = [textCol, labelCol].find((c) => row.record[c] !== undefined && String(row.record[c]).trim() === '');
    if (skipEmpty && empty) {
      onSkip?.(row.line, `"${empty}" is empty`);
      continue;
    }
    out.push({ text: stringField(row, file, textCol), label: stringField(row, file, labelCol), line: row.line, record: row.record });
  }
  return out;
}
