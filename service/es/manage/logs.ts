/**
 * Reading the server log and turning its last lines into a reason a person can act on.
 */
import { open, stat } from 'node:fs/promises';

/**
 * The last `n` lines of `text` (a trailing newline does not count as an empty line).
 *
 * @example
 *   lastLines('a\nb\nc\n', 2) // 'b\nc'
 */
export function lastLines(text: string, n: number): string {
  if (n <= 0) return '';
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  return lines.slice(-n).join('\n');
}

/**
 * The last `n` lines of a file (of the part after byte `from`, when given), reading backwards in chunks so a large
 * log is not loaded whole; '' when the file does not exist.
 *
 * @example
 *   await tailFile('/var/lib/strata/es/logs/strata.log', 50);
 */
export async function tailFile(file: string, n: number, { chunkBytes = 64 * 1024, from = 0 } = {}): Promise<string> {
  const handle = await open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const { size } = await handle.stat();
    // A log rotated (shorter than `from`) since the offset was taken is read whole.
    const floor = from <= size ? from : 0;
    let start = size;
    let text = '';
    while (start > floor && (text.match(/\n/g)?.length ?? 0) <= n) {
      const length = Math.min(chunkBytes, start - floor);
      start -= length;
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, start);
      text = buffer.toString('utf8') + text;
    }
    return lastLines(text, n);
  } finally {
    await handle.close();
  }
}

const REASONS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/No space left on device/i, () => 'disk full (No space left on device)'],
  [/BindException|Address already in use/i, () => 'the HTTP or transport port is already taken by another process'],
  [/UnsupportedClassVersionError|minimum required Java version|requires Java/i, () => 'the JDK is too old (ES 9.x needs Java >= 21)'],
  [
    /Could not reserve enough space for object heap|Cannot allocate memory|OutOfMemoryError|Native memory allocation \(mmap\) failed/i,
    () => 'not enough memory for the heap (STRATA_ES_HEAP)',
  ],
  [/can not run elasticsearch as root/i, () => 'Elasticsearch refuses to run as root'],
  [/unknown setting \[([^\]]+)\]/i, (m) => `unknown setting [${m[1]}] in elasticsearch.yml`],
  [/failed to obtain node locks/i, () => 'another Elasticsearch process is using the data directory'],
  [/AccessDeniedException:? ?(\S*)/, (m) => `permission denied${m[1] ? ` on ${m[1]}` : ''}`],
  [/\.java_pid|AttachNotSupportedException|Unable to open socket file/i, () => 'the entitlement agent could not attach (is /tmp writable?)'],
];

/**
 * A short reason for a failed start, recognised in the ES output or log, or undefined.
 *
 * @example
 *   diagnose('java.net.BindException: Address already in use') // 'the HTTP or transport port is already taken ...'
 */
export function diagnose(text: string): string | undefined {
  for (const [pattern, reason] of REASONS) {
    const m = pattern.exec(text);
    if (m) return reason(m);
  }
  return undefined;
}

/** The size of a file now (0 when missing), to read later only what a step appends to it. */
export const fileSize = (file: string): Promise<number> => stat(file).then((s) => s.size, () => 0);
