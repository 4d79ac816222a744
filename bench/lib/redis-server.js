// A redis-server of the benchmark's own, so its CPU (INFO cpu) counts only the benchmark's work:
// a random port in 17000–17999, no persistence (like the shared development Redis), stopped after,
// or when this process dies.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** @param {typeof import('ioredis').Redis} Redis */
export async function startRedisServer(Redis) {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 17_000 + Math.floor(Math.random() * 1_000);
    // Through a shell that stops it when our end of its stdin closes: also when this process is
    // killed (a timeout, Ctrl-C, SIGKILL), which would otherwise leave the server running.
    const proc = spawn('sh', ['-c', 'redis-server "$@" & r=$!; read _; kill $r; wait $r', 'sh',
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 50 && proc.exitCode === null; i++) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {});
      const up = await probe.connect().then(() => probe.ping(), () => null);
      probe.disconnect();
      if (up === 'PONG') {
        return { url, async stop() { const gone = new Promise((resolve) => proc.once('exit', resolve)); proc.stdin.end(); await gone; } };
      }
      await sleep(100);
    }
    proc.stdin.end();
  }
  throw new Error('could not start redis-server (is it installed?)');
}

/** CPU seconds (user + system) Redis has used so far, from INFO cpu. */
export async function redisCpuSeconds(redis) {
  const info = await redis.info('cpu');
  const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}
