// Change feed throughput: changes recorded per second.
//   1. in-process, `hub.changes.record` on a SqliteStore in a temporary directory, batches of 1 and of 100;
//   2. over HTTP, `POST /v1/changes` with batches of 100, against `activityd serve` (SQLite) in a child
//      process, from this process with keep-alive and 8 requests in flight.
// Loopback only; every run uses fresh temporary directories and removes them; stops by itself.
// Run after a build: `npm run bench:feed` (or `npm run build && node bench/feed-changes.js`).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { ActivityHub } from '../packages/core/dist/index.js';
import { SqliteStore } from '../packages/core/dist/sqlite/index.js';

const CLI = fileURLToPath(new URL('../packages/cli/dist/main.js', import.meta.url));
const IN_PROCESS_MS = Number(process.env.BENCH_IN_PROCESS_MS ?? 3_000);
const HTTP_MS = Number(process.env.BENCH_HTTP_MS ?? 5_000);
const WARMUP_MS = 500;
const CONCURRENCY = 8;
const BATCH = 100;
const TOKEN = 'bench-feed-admin-token';

const dirs = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'activityd-bench-feed-'));
  dirs.push(dir);
  return dir;
};
const fmt = (n) => Math.round(n).toLocaleString('en-US');
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Calls `step` back to back for `ms` (after a warm-up); resolves to changes per second. */
async function timed(ms, batch, step) {
  const warmEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmEnd) await step();
  let changes = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    await step();
    changes += batch;
  }
  return changes / ((performance.now() - start) / 1000);
}

async function inProcess(batch) {
  const hub = new ActivityHub({ store: new SqliteStore({ filename: join(tempDir(), 'activityd.db') }) });
  await hub.start();
  let id = 0;
  const one = () => hub.changes.record({ model: 'metadata', id: id++ });
  const many = () => hub.changes.record(Array.from({ length: batch }, () => ({ model: 'metadata', id: id++ })));
  try {
    return await timed(IN_PROCESS_MS, batch, batch === 1 ? one : many);
  } finally {
    await hub.stop();
  }
}

/** `activityd serve` on a free loopback port; resolves once it prints where it listens. */
function startServer() {
  const proc = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', tempDir(), '--log-level', 'warn'], {
    env: { ...process.env, ACTIVITYD_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`activityd did not start:\n${out}`)), 20_000);
    const onData = (chunk) => {
      out += chunk.toString();
      const match = /activityd listening on (http:\/\/\S+?)\/? /.exec(out);
      if (!match) return;
      clearTimeout(timer);
      const exited = new Promise((r) => proc.once('exit', r));
      resolve({ url: new URL(match[1]), stop: async () => { proc.kill('SIGTERM'); await exited; } });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`activityd exited with ${code}:\n${out}`)); });
  });
}

function post(agent, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      agent, host: url.hostname, port: url.port, method: 'POST', path: '/v1/changes',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function overHttp() {
  const server = await startServer();
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let id = 0;
  const body = () => JSON.stringify({ changes: Array.from({ length: BATCH }, () => ({ model: 'metadata', id: id++ })) });
  try {
    const run = async (ms, latencies) => {
      const end = performance.now() + ms;
      let requests = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await post(agent, server.url, body());
          latencies?.push(performance.now() - t);
          requests++;
        }
      }));
      return requests;
    };
    await run(WARMUP_MS);
    const latencies = [];
    const start = performance.now();
    const requests = await run(HTTP_MS, latencies);
    const seconds = (performance.now() - start) / 1000;
    latencies.sort((a, b) => a - b);
    return { requestsPerSecond: requests / seconds, changesPerSecond: (requests * BATCH) / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    agent.destroy();
    await server.stop();
  }
}

/** How much of one CPU a busy loop gets now: on a shared machine the figures below scale with it. */
function cpuShare(ms = 500) {
  const before = process.cpuUsage();
  const end = performance.now() + ms;
  while (performance.now() < end);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / ms;
}

try {
  console.log(`activityd change feed: changes recorded per second (Node ${process.version}, ${cpus().length} CPUs, ${cpus()[0]?.model ?? '?'})`);
  console.log(`CPU share a busy loop got before the run: ${Math.round(cpuShare() * 100)}% of one CPU`);
  const single = await inProcess(1);
  console.log(`in-process, SQLite, batches of 1:     ${fmt(single).padStart(10)} changes/s`);
  const hundred = await inProcess(BATCH);
  console.log(`in-process, SQLite, batches of ${BATCH}:   ${fmt(hundred).padStart(10)} changes/s`);
  const h = await overHttp();
  console.log(`HTTP, SQLite, batches of ${BATCH}, ${CONCURRENCY} in flight: ${fmt(h.changesPerSecond).padStart(10)} changes/s (${fmt(h.requestsPerSecond)} requests/s, p50 ${h.p50.toFixed(1)} ms, p99 ${h.p99.toFixed(1)} ms)`);
  console.log(`CPU share a busy loop got after the run: ${Math.round(cpuShare() * 100)}% of one CPU`);
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
