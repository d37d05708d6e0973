/**
 * Progress for long CLI jobs when the output is not a terminal (CI logs, `| tee`, Docker): cli-progress draws
 * only on a TTY, so without this a 10-minute indexing run or Maven build prints nothing until it ends. A line is
 * written at most every `everyMs` (and whenever the percentage crosses a multiple of `everyPercent` when the total
 * is known); the clock is injectable so the throttling is tested without waiting.
 *
 * @example
 *   const progress = plainProgress({ label: 'indexing', write: (l) => process.stderr.write(l + '\n') });
 *   progress.update({ done: 500, text: '500 indexed, 3 invalid, 812 docs/s' });
 */
export interface PlainProgressOptions {
  label: string;
  write: (line: string) => void;
  /** At most one line per this many milliseconds (0: every update). */
  everyMs?: number;
  /** With a known total, also a line each time the percentage passes a multiple of this. */
  everyPercent?: number;
  now?: () => number;
}

export interface ProgressUpdate {
  done: number;
  total?: number;
  /** What the line says after the label, e.g. "500 indexed, 812 docs/s". */
  text: string;
}

export interface PlainProgress {
  update(p: ProgressUpdate): void;
  /** Writes the last update if it was held back by the interval (the last state is always shown). */
  flush(): void;
}

/** A throttled line-per-update progress printer for non-TTY output. */
export function plainProgress({ label, write, everyMs = 5000, everyPercent = 10, now = Date.now }: PlainProgressOptions): PlainProgress {
  let lastAt = Number.NEGATIVE_INFINITY;
  let lastStep = -1;
  let pending: ProgressUpdate | null = null;
  const line = (p: ProgressUpdate) => {
    const percent = p.total ? ` ${Math.floor((100 * p.done) / p.total)}%` : '';
    write(`${label}:${percent} ${p.text}`);
    lastAt = now();
    pending = null;
  };
  return {
    update(p) {
      const step = p.total ? Math.floor((100 * p.done) / p.total / everyPercent) : -1;
      const crossed = step > lastStep;
      if (p.total) lastStep = Math.max(lastStep, step);
      if (now() - lastAt >= everyMs || (p.total !== undefined && crossed)) line(p);
      else pending = p;
    },
    flush() {
      if (pending) line(pending);
    },
  };
}
