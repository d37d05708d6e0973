/**
 * The service as a separate process (`strata serve --port 0`), as a replica runs in production: its own pool,
 * head store and Elasticsearch client. The URL is read from the line the command prints when it listens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface ServiceProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr (warnings, refused heads). */
  stderr(): string;
  /** SIGTERM (the command closes the server, the pool and the client), then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts one service process with `env` added to this process's environment.
 *
 * @example const a = await startServiceProcess({ STRATA_ES_URL: 'http://127.0.0.1:9201', STRATA_HEADS_DIR: dir });
 */
export function startServiceProcess(env: Record<string, string>, { timeoutMs = 240_000 } = {}): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'service/cli/main.ts', 'serve', '--port', '0'], {
    cwd: ROOT,
    // The child needs the parent's PATH and HOME; the settings under test are passed explicitly.
    // eslint-disable-next-line no-restricted-syntax
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`the service process did not listen within ${timeoutMs} ms:\n${out}\n${err}`));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (http:\/\/\S+?) /.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1]!, child, stderr: () => err, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the service process exited with ${code} before listening:\n${out}\n${err}`));
    });
  });
}
