import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { isAlive, processState, runningPid, waitForExit } from '../../service/es/manage/pid.ts';

describe('isAlive', () => {
  it('is true for a running process and false for a finished one', async () => {
    expect(isAlive(process.pid)).toBe(true);
    const child = spawn('sh', ['-c', 'exit 0']);
    await new Promise((resolve) => child.on('exit', resolve));
    await sleep(50);
    expect(isAlive(child.pid!)).toBe(false);
  });

  it('counts a zombie as gone although signal 0 still reaches it', async () => {
    // `sleep 0` is forked, then its parent execs into `sleep 30`, which never reaps it: a zombie until the test kills the parent (a loaded machine can take seconds to get here).
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30']);
    const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    try {
      for (let i = 0; i < 40 && processState(zombie) !== 'Z'; i++) await sleep(50);
      expect(processState(zombie)).toBe('Z');
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(isAlive(zombie)).toBe(false);
      expect(await waitForExit(zombie, 1_000)).toBe(true);
    } finally {
      parent.kill();
    }
  });
});

describe('runningPid', () => {
  it('ignores a pidfile whose process is not Elasticsearch (a reused pid) or is garbage', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'strata-pid-'));
    try {
      const file = path.join(dir, 'es.pid');
      await writeFile(file, `${process.pid}\n`);
      expect(await runningPid(file)).toBeUndefined();
      await writeFile(file, 'not a pid');
      expect(await runningPid(file)).toBeUndefined();
      expect(await runningPid(path.join(dir, 'missing.pid'))).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
