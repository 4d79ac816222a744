import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Activity } from '@activityd/protocol';
import { startServe, type ServeProcess } from './serve-process.js';

const TOKEN = 'e2e-durability-token';
const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: Activity }> {
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, body: (await res.json()) as Activity };
}

describe('acknowledged writes survive kill -9', () => {
  let server: ServeProcess | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await server?.kill();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('finds every acknowledged change after SIGKILL and restart on the same data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'activityd-e2e-'));
    dirs.push(dataDir);
    const args = ['serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'];
    server = await startServe(args, { ACTIVITYD_ADMIN_TOKEN: TOKEN });
    const base = `${server.url}/v1/activities`;

    // The latest acknowledged reply per activity: what must be there after the crash.
    const acked = new Map<string, Activity>();
    const ack = (reply: { status: number; body: Activity }) => {
      if (reply.status >= 200 && reply.status < 300) {
        const prior = acked.get(reply.body.id);
        if (!prior || prior.seq < reply.body.seq) acked.set(reply.body.id, reply.body);
      }
    };

    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      const created = await call(base, 'POST', { type: 'e2e.write', title: `item ${i}`, cancellable: i % 7 !== 0 });
      expect(created.status).toBe(201);
      ack(created);
      ids.push(created.body.id);
    }
    // Waves of concurrent writes: progress everywhere, then ends of every kind.
    for (let round = 1; round <= 5; round++) {
      await Promise.all(ids.map(async (id) => ack(await call(`${base}/${id}`, 'PATCH', { progress: round * 10, subtitle: `round ${round}` }))));
    }
    await Promise.all(ids.map(async (id, i) => {
      if (i % 4 === 0) ack(await call(`${base}/${id}`, 'PATCH', { state: 'completed', result: { n: i } }));
      else if (i % 4 === 1) ack(await call(`${base}/${id}`, 'PATCH', { state: 'failed', error: { code: 'boom', message: `failed ${i}` } }));
      else if (i % 4 === 2) ack(await call(`${base}/${id}`, 'DELETE'));
    }));
    // Kill while a last wave is in flight: only what was answered counts.
    const inFlight = ids.map((id, i) => call(`${base}/${id}`, 'PATCH', { progress: 77 }).then(ack, () => undefined).then(() => i));
    await Promise.race(inFlight);
    await server.kill();
    await Promise.allSettled(inFlight);

    server = await startServe(args, { ACTIVITYD_ADMIN_TOKEN: TOKEN });
    const restarted = `${server.url}/v1/activities`;
    expect(acked.size).toBe(ids.length);
    for (const [id, before] of acked) {
      const { status, body: after } = await call(`${restarted}/${id}`, 'GET');
      expect(status).toBe(200);
      expect(after.seq).toBeGreaterThanOrEqual(before.seq);
      if (before.state !== 'running') {
        expect(after.state).toBe(before.state);
        expect(after.result).toEqual(before.result);
        expect(after.error).toEqual(before.error);
      } else {
        expect(after.state).toBe('running');
        expect(after.progress).toBeGreaterThanOrEqual(before.progress ?? 0);
      }
    }
    // Remote work keeps running across the restart, its lease renewed from the restart.
    const running = [...acked.values()].filter((a) => a.state === 'running');
    expect(running.length).toBeGreaterThan(0);
    const { body: one } = await call(`${restarted}/${running[0]!.id}`, 'GET');
    expect(one.leaseExpiresAt!).toBeGreaterThan(Date.now() + 60_000);
  });
});
