import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers } from '../../packages/redis/test/redis-fixture.js';

/** A Redis server a test starts and stops itself, durable as DESIGN 11 asks for such tests. */
export interface OwnRedis {
  port: number;
  url: string;
  /** Starts it (again) on the same port and data directory; resolves once it answers. */
  start(): Promise<void>;
  /** `redis-cli shutdown nosave`: it stops at once, keeping only what its append-only file has. */
  shutdown(): Promise<void>;
  /** Stops it if running and removes its data directory. */
  remove(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Is `redis-server` installed here? */
export function haveRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

/**
 * A fresh `redis-server` with `--appendonly yes --appendfsync always` in a temporary directory,
 * on a random port in 16000–16999 (retried if taken), keeping nothing else on disk.
 */
export async function ownRedis(): Promise<OwnRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'activityd-redis-'));
  let proc: ChildProcess | null = null;
  let port = 0;
  const launch = async (): Promise<boolean> => {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes',
      '--appendfsync', 'always', '--save', '', '--logfile', join(dir, 'redis.log')], { stdio: 'ignore' });
    const exited = new Promise<boolean>((resolve) => proc!.once('exit', () => resolve(false)));
    for (let i = 0; i < 50; i++) {
      const up = await Promise.race([redisAnswers(`redis://127.0.0.1:${port}`), exited]);
      if (up) return true;
      if (proc.exitCode !== null) return false;
      await sleep(100);
    }
    return false;
  };
  const own: OwnRedis = {
    get port() { return port; },
    get url() { return `redis://127.0.0.1:${port}`; },
    async start() {
      if (!(await launch())) throw new Error(`redis-server did not start on port ${port}`);
    },
    async shutdown() {
      const running = proc;
      const gone = running && running.exitCode === null ? new Promise((resolve) => running.once('exit', resolve)) : Promise.resolve();
      spawnSync('redis-cli', ['-p', String(port), 'shutdown', 'nosave']);
      await gone;
    },
    async remove() {
      if (proc && proc.exitCode === null) await own.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    port = 16_000 + Math.floor(Math.random() * 1_000);
    if (await launch()) return own;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error('could not start redis-server on a free port');
}
