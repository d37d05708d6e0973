/**
 * Download progress: a bar on a terminal, a few plain lines otherwise (CI logs, vitest global setup).
 */
import cliProgress from 'cli-progress';

export interface Progress {
  start(totalBytes: number | undefined): void;
  update(receivedBytes: number): void;
  stop(): void;
}

export type Log = (message: string) => void;

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

/**
 * A progress reporter writing to stderr: a bar when stderr is a TTY, else a line every quarter.
 *
 * @example
 *   const progress = consoleProgress('elasticsearch-9.5.3.zip', console.error);
 */
export function consoleProgress(label: string, log: Log, { tty = process.stderr.isTTY === true } = {}): Progress {
  if (tty) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% {value_mb}/{total_mb}`, hideCursor: true, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    let total = 0;
    return {
      start: (t) => {
        total = t ?? 0;
        bar.start(total, 0, { value_mb: mb(0), total_mb: t ? mb(t) : '?' });
      },
      update: (n) => bar.update(n, { value_mb: mb(n), total_mb: total ? mb(total) : '?' }),
      stop: () => bar.stop(),
    };
  }
  let total: number | undefined;
  let nextQuarter = 1;
  return {
    start: (t) => {
      total = t;
      log(`downloading ${label}${t ? ` (${mb(t)})` : ''}`);
    },
    update: (n) => {
      if (!total) return;
      while (nextQuarter < 4 && n >= (total * nextQuarter) / 4) log(`  ${label}: ${25 * nextQuarter++}%`);
    },
    stop: () => undefined,
  };
}

/** A reporter that reports nothing (tests, quiet callers). */
export const silentProgress: Progress = { start: () => undefined, update: () => undefined, stop: () => undefined };
