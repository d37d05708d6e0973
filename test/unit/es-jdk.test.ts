import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataError } from '../../service/errors.ts';
import { chooseJdk, findJdk, parseJavaMajor } from '../../service/es/manage/jdk.ts';

describe('parseJavaMajor', () => {
  it.each([
    ['openjdk version "25.0.3" 2026-04-21 LTS\nOpenJDK Runtime Environment Temurin-25.0.3+9', 25],
    ['openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['openjdk version "22-ea" 2024-03-19', 22],
    ['java version "1.8.0_292"\nJava(TM) SE Runtime Environment', 8],
    ['Picked up JAVA_TOOL_OPTIONS: -Dx=1\nopenjdk version "21.0.2" 2024-01-16', 21],
  ])('reads %j as %i', (output, major) => {
    expect(parseJavaMajor(output)).toBe(major);
  });

  it('answers undefined for output that is not a version banner', () => {
    expect(parseJavaMajor('bash: java: command not found')).toBeUndefined();
    expect(parseJavaMajor('')).toBeUndefined();
  });
});

describe('chooseJdk', () => {
  it('never picks a JDK older than 21, even when it is the only one', () => {
    expect(chooseJdk([{ dir: '/jvm/java-17-openjdk-amd64', major: 17 }])).toBeUndefined();
    expect(chooseJdk([{ dir: '/jvm/broken', major: undefined }])).toBeUndefined();
  });

  it('prefers Temurin, then the newest', () => {
    const candidates = [
      { dir: '/jvm/java-17-openjdk-amd64', major: 17 },
      { dir: '/jvm/zulu-24', major: 24 },
      { dir: '/jvm/temurin-21-jdk-amd64', major: 21 },
      { dir: '/jvm/openjdk-23', major: 23 },
    ];
    expect(chooseJdk(candidates)?.dir).toBe('/jvm/temurin-21-jdk-amd64');
    expect(chooseJdk(candidates.filter((c) => !c.dir.includes('temurin')))?.dir).toBe('/jvm/zulu-24');
  });

  it('honours a higher minimum', () => {
    expect(chooseJdk([{ dir: '/jvm/temurin-21', major: 21 }, { dir: '/jvm/x-25', major: 25 }], 25)?.dir).toBe('/jvm/x-25');
  });
});

describe('findJdk', () => {
  let jvm: string;

  /** A fake JDK whose bin/java prints a version banner on stderr, as the real one does. */
  async function fakeJdk(name: string, banner: string): Promise<string> {
    const dir = path.join(jvm, name);
    await mkdir(path.join(dir, 'bin'), { recursive: true });
    const java = path.join(dir, 'bin', 'java');
    await writeFile(java, `#!/bin/sh\necho '${banner}' >&2\n`);
    await chmod(java, 0o755);
    return dir;
  }

  beforeAll(async () => {
    jvm = await mkdtemp(path.join(os.tmpdir(), 'strata-jvm-'));
    await fakeJdk('java-17-openjdk-amd64', 'openjdk version "17.0.15" 2025-04-15');
    await fakeJdk('temurin-25-jdk-amd64', 'openjdk version "25.0.3" 2026-04-21 LTS');
    await mkdir(path.join(jvm, 'openjdk-17')); // a directory without bin/java, as Debian leaves one
    await writeFile(path.join(jvm, '.java-1.17.0-openjdk-amd64.jinfo'), 'not a jdk');
  });
  afterAll(async () => {
    await rm(jvm, { recursive: true, force: true });
  });

  it('finds the JDK >= 21 among the directories, skipping the old and the broken ones', async () => {
    expect(await findJdk({ jvmDir: jvm })).toBe(path.join(jvm, 'temurin-25-jdk-amd64'));
  });

  it('uses ES_JAVA_HOME when it is recent enough', async () => {
    const home = path.join(jvm, 'temurin-25-jdk-amd64');
    expect(await findJdk({ javaHome: home, jvmDir: '/nonexistent' })).toBe(home);
  });

  it('refuses an ES_JAVA_HOME that is too old instead of silently using another JDK', async () => {
    const err = await findJdk({ javaHome: path.join(jvm, 'java-17-openjdk-amd64'), jvmDir: jvm }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StrataError);
    expect((err as StrataError).code).toBe('no_jdk');
    expect((err as StrataError).message).toMatch(/is Java 17/);
  });

  it('refuses clearly when there is no JDK >= 21, naming ES_JAVA_HOME', async () => {
    const only17 = await mkdtemp(path.join(os.tmpdir(), 'strata-jvm17-'));
    try {
      const dir = path.join(only17, 'java-17');
      await mkdir(path.join(dir, 'bin'), { recursive: true });
      await writeFile(path.join(dir, 'bin', 'java'), `#!/bin/sh\necho 'openjdk version "17.0.1"' >&2\n`, { mode: 0o755 });
      const err = await findJdk({ jvmDir: only17 }).catch((e: unknown) => e);
      expect((err as StrataError).code).toBe('no_jdk');
      expect((err as StrataError).message).toMatch(/No JDK >= 21 found.*set ES_JAVA_HOME/);
      expect((err as StrataError).message).toContain('java-17: 17');
    } finally {
      await rm(only17, { recursive: true, force: true });
    }
  });
});
