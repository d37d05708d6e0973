/**
 * Running the Elasticsearch tools: as the dedicated ES user when the caller is root (ES refuses root), with an
 * explicit environment passed through `env` so nothing depends on the caller's own variables.
 */
import { spawn } from 'node:child_process';

export interface CommandLine {
  file: string;
  args: string[];
}

export interface RunAs {
  /** Run through `runuser -u <user>` (the caller is root). */
  isRoot: boolean;
  user: string;
  env: Record<string, string>;
}

/**
 * The command line that runs `command args` with `env` set, as `user` when root.
 *
 * @example
 *   esCommand('/es/bin/elasticsearch', ['-d'], { isRoot: true, user: 'strata-es', env: { ES_JAVA_HOME: '/jdk' } })
 *   // { file: 'runuser', args: ['-u', 'strata-es', '--', 'env', 'ES_JAVA_HOME=/jdk', '/es/bin/elasticsearch', '-d'] }
 */
export function esCommand(command: string, args: string[], runAs: RunAs): CommandLine {
  const env = Object.entries(runAs.env).map(([k, v]) => `${k}=${v}`);
  const inner = ['env', ...env, command, ...args];
  return runAs.isRoot ? { file: 'runuser', args: ['-u', runAs.user, '--', ...inner] } : { file: inner[0]!, args: inner.slice(1) };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the command could not be spawned at all (e.g. ENOENT). */
  error?: Error;
}

/**
 * Runs a command to completion and collects its output; never throws (callers decide what a failure means).
 *
 * @example
 *   const { code, stderr } = await runCommand({ file: 'java', args: ['-version'] });
 */
export function runCommand(
  line: CommandLine,
  { timeoutMs = 120_000, input, cwd }: { timeoutMs?: number; input?: string; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(line.file, line.args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: timeoutMs, ...(cwd ? { cwd } : {}) });
    } catch (err) {
      // Some failures (ENOTDIR, EACCES on a path component) throw synchronously instead of emitting 'error'.
      return resolve({ code: null, stdout: '', stderr: '', error: err as Error });
    }
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (input !== undefined) child.stdin?.end(input);
    child.on('error', (error) => resolve({ code: null, stdout, stderr, error }));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The last meaningful line of a failed command's output, for error messages. */
export function describeFailure(result: RunResult): string {
  if (result.error) return result.error.message;
  const text = `${result.stderr}\n${result.stdout}`.trim();
  return text ? text.split('\n').slice(-5).join('\n') : `exit code ${result.code}`;
}
