/**
 * The reports `strata eval rerank|classify` and `strata data-quality` write (`<dir>/<name>.json`), read-only:
 * a listing with each report's kind, date and the command that made it, and one report's JSON. Only `.json` files
 * directly in the directory are read, by a name that cannot leave it.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { strataError } from '../errors.ts';

export const ReportKindSchema = z.enum(['eval-rerank', 'eval-classify', 'data-quality', 'other']);
export type ReportKind = z.infer<typeof ReportKindSchema>;

export const ReportNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/, 'report names are letters, digits, _ . - (no paths)');

export const ReportSummarySchema = z.object({
  name: z.string(),
  kind: ReportKindSchema,
  /** The command line that wrote it (recorded by the CLI since reports carry it); null for older reports. */
  command: z.string().nullable(),
  /** The report's own date when it has one, else the file's modification time (ISO). */
  date: z.string(),
  bytes: z.number().int(),
});
export const ReportListSchema = z.object({ dir: z.string(), reports: z.array(ReportSummarySchema) });
export const ReportSchema = ReportSummarySchema.extend({ report: z.unknown() });
export type ReportSummary = z.infer<typeof ReportSummarySchema>;

/** Larger files are listed but not parsed (a report the page can draw is far smaller). */
const MAX_BYTES = 20 * 1024 * 1024;

/**
 * What a report is, from its shape (the three writers have distinct top-level fields).
 *
 * @example reportKind({ systems: [], queries: 10 }) // 'eval-rerank'
 */
export function reportKind(json: unknown): ReportKind {
  if (typeof json !== 'object' || json === null) return 'other';
  const r = json as Record<string, unknown>;
  if (Array.isArray(r.systems) && typeof r.queries === 'number') return 'eval-rerank';
  if (Array.isArray(r.perClass) && Array.isArray(r.confused)) return 'eval-classify';
  if (typeof r.exactDuplicates === 'object' && typeof r.fields === 'object') return 'data-quality';
  return 'other';
}

async function summarise(dir: string, file: string): Promise<(ReportSummary & { report: unknown }) | null> {
  const full = path.join(dir, file);
  const info = await stat(full).catch(() => null);
  if (!info?.isFile()) return null;
  const name = file.slice(0, -'.json'.length);
  const base = { name, bytes: info.size, date: info.mtime.toISOString() };
  if (info.size > MAX_BYTES) return { ...base, kind: 'other', command: null, report: null };
  let json: unknown;
  try {
    json = JSON.parse(await readFile(full, 'utf8'));
  } catch {
    return { ...base, kind: 'other', command: null, report: null };
  }
  const r = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  return {
    ...base,
    kind: reportKind(json),
    command: typeof r.command === 'string' ? r.command : null,
    date: typeof r.date === 'string' && !Number.isNaN(Date.parse(r.date)) ? r.date : base.date,
    report: json,
  };
}

/**
 * Lists the reports in `dir`, newest first (an absent directory is an empty list).
 *
 * @example const { reports } = await listReports('reports'); reports[0] // { name: 'eval-rerank', kind: 'eval-rerank', ... }
 */
export async function listReports(dir: string): Promise<{ dir: string; reports: ReportSummary[] }> {
  const files = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  const all = await Promise.all(files.filter((f) => f.endsWith('.json') && ReportNameSchema.safeParse(f.slice(0, -5)).success).map((f) => summarise(dir, f)));
  const reports = all.filter((r) => r !== null).map(({ report: _report, ...summary }) => summary);
  return { dir, reports: reports.sort((a, b) => b.date.localeCompare(a.date) || a.name.localeCompare(b.name)) };
}

/**
 * One report by name, with its kind and command.
 *
 * @example const { kind, report } = await readReport('reports', 'eval-rerank');
 */
export async function readReport(dir: string, name: string): Promise<ReportSummary & { report: unknown }> {
  const parsed = ReportNameSchema.safeParse(name);
  if (!parsed.success) throw strataError('validation', { summary: `name: ${parsed.error.issues[0]!.message}` });
  const found = await summarise(dir, `${parsed.data}.json`);
  if (!found) throw strataError('not_found', { what: `report "${name}"` });
  if (found.report === null) throw strataError('validation', { summary: `report "${name}" is not readable JSON or is over ${MAX_BYTES} bytes` });
  return found;
}
