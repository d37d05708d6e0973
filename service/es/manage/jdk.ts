/**
 * Finding a JDK Elasticsearch 9.x can run on (>= 21). The machine's default `java` may be older, so it is never
 * used: ES_JAVA_HOME wins, else a JDK under /usr/lib/jvm, each checked by running `<jdk>/bin/java -version`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { strataError } from '../../errors.ts';
import { runCommand } from './run.ts';

export const MIN_JAVA_MAJOR = 21;

export interface JdkCandidate {
  dir: string;
  /** Undefined when `java -version` failed or printed something unrecognised. */
  major: number | undefined;
}

/**
 * The major version in `java -version` output (printed on stderr), handling the old `1.8` scheme.
 *
 * @example
 *   parseJavaMajor('openjdk version "25.0.3" 2026-04-21 LTS') // 25
 *   parseJavaMajor('java version "1.8.0_292"')                 // 8
 */
export function parseJavaMajor(output: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(output);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

/**
 * The best JDK among probed candidates: >= `min`, Temurin preferred (the project's tested vendor), then the
 * newest, then by name for a stable choice.
 *
 * @example
 *   chooseJdk([{ dir: '/usr/lib/jvm/java-17', major: 17 }, { dir: '/usr/lib/jvm/temurin-25', major: 25 }])
 *   // { dir: '/usr/lib/jvm/temurin-25', major: 25 }
 */
export function chooseJdk(candidates: JdkCandidate[], min = MIN_JAVA_MAJOR): JdkCandidate | undefined {
  const temurin = (c: JdkCandidate) => (/temurin/i.test(path.basename(c.dir)) ? 1 : 0);
  return candidates
    .filter((c) => c.major !== undefined && c.major >= min)
    .sort((a, b) => temurin(b) - temurin(a) || b.major! - a.major! || a.dir.localeCompare(b.dir))[0];
}

/**
 * Runs `<dir>/bin/java -version` and reads its major version.
 *
 * @example
 *   await probeJdk('/usr/lib/jvm/temurin-25-jdk-amd64') // { dir: '...', major: 25 }
 */
export async function probeJdk(dir: string): Promise<JdkCandidate> {
  const result = await runCommand({ file: path.join(dir, 'bin', 'java'), args: ['-version'] }, { timeoutMs: 30_000 });
  return { dir, major: result.code === 0 ? parseJavaMajor(result.stderr + result.stdout) : undefined };
}

/**
 * The JDK to run ES with: `javaHome` (ES_JAVA_HOME) when set (refused if too old rather than silently replaced),
 * else the best JDK >= 21 under `jvmDir`. Throws `no_jdk` when there is none.
 *
 * @example
 *   const jdk = await findJdk({ javaHome: config.es.javaHome }); // '/usr/lib/jvm/temurin-25-jdk-amd64'
 */
export async function findJdk({ javaHome, jvmDir = '/usr/lib/jvm' }: { javaHome?: string | undefined; jvmDir?: string } = {}): Promise<string> {
  if (javaHome) {
    const probe = await probeJdk(javaHome);
    if (probe.major === undefined) {
      throw strataError('no_jdk', { min: MIN_JAVA_MAJOR, reason: `ES_JAVA_HOME=${javaHome} has no working bin/java` });
    }
    if (probe.major < MIN_JAVA_MAJOR) {
      throw strataError('no_jdk', { min: MIN_JAVA_MAJOR, reason: `ES_JAVA_HOME=${javaHome} is Java ${probe.major}` });
    }
    return javaHome;
  }
  const entries = await readdir(jvmDir, { withFileTypes: true }).catch(() => []);
  const dirs = entries.filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith('.')).map((e) => e.name);
  const candidates = await Promise.all(dirs.sort().map((e) => probeJdk(path.join(jvmDir, e))));
  const chosen = chooseJdk(candidates);
  if (!chosen) {
    const seen = candidates.map((c) => `${path.basename(c.dir)}: ${c.major ?? 'not a JDK'}`).join(', ');
    throw strataError('no_jdk', { min: MIN_JAVA_MAJOR, reason: `ES_JAVA_HOME is not set; under ${jvmDir}: ${seen || 'nothing'}` });
  }
  return chosen.dir;
}
