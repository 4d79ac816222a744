import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Activity } from '@activityd/protocol';
import { CLI, startServe, type ServeProcess } from './serve-process.js';

const dirs: string[] = [];
const servers: ServeProcess[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'activityd-cli-'));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  for (const s of servers.splice(0)) await s.kill();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('activityd serve', () => {
  it('prints its URL and a new admin token once; the token works, and still works after a restart', async () => {
    const dir = tempDir();
    const first = await startServe(['serve', '--port', '0', '--data-dir', dir, '--log-level', 'warn']);
    servers.push(first);
    const token = /admin token \(shown once, keep it\): (\S+)/.exec(first.output())?.[1];
    expect(token).toMatch(/^act_/);
    expect(first.output()).toContain(`dashboard, signed in: ${first.url}/?token=${token}`);
    const ok = await fetch(`${first.url}/v1/activities`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect((await fetch(`${first.url}/v1/activities`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(await first.stop()).toBe(0);
    servers.pop();

    const second = await startServe(['serve', '--port', '0', '--data-dir', dir, '--log-level', 'warn']);
    servers.push(second);
    expect(second.output()).not.toContain(token);
    // The hint names a command that exists from here: no `activityd` is on the PATH of a clone.
    const hint = /new one: node (\S+) admin-token --reset/.exec(second.output())?.[1];
    expect(hint && existsSync(hint)).toBe(true);
    expect((await fetch(`${second.url}/v1/activities`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('drains on SIGTERM: a 30 s long-poll in flight is answered at once, then it exits 0', async () => {
    const server = await startServe(['serve', '--port', '0', '--store', 'memory', '--log-level', 'warn'], { ACTIVITYD_ADMIN_TOKEN: 't' });
    servers.push(server);
    const headers = { authorization: 'Bearer t', 'content-type': 'application/json' };
    const created = (await (await fetch(`${server.url}/v1/activities`, { method: 'POST', headers, body: '{"type":"t"}' })).json()) as Activity;
    const poll = fetch(`${server.url}/v1/activities/${created.id}?wait=30`, { headers });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const exit = server.stop();
    const answered = await poll;
    expect(answered.status).toBe(200);
    expect(((await answered.json()) as Activity).state).toBe('running');
    expect(await exit).toBe(0);
    servers.pop();
  });

  it('admin-token --reset replaces the token', async () => {
    const dir = tempDir();
    const reset = spawnSync(process.execPath, [CLI, 'admin-token', '--reset', '--data-dir', dir], { encoding: 'utf8' });
    expect(reset.status).toBe(0);
    const token = /\(shown once\): (\S+)/.exec(reset.stdout)?.[1];
    const server = await startServe(['serve', '--port', '0', '--data-dir', dir, '--log-level', 'warn']);
    servers.push(server);
    expect(server.output()).not.toContain('shown once, keep it');
    expect((await fetch(`${server.url}/v1/activities`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('refuses an unknown flag with exit code 2 and says why', () => {
    const run = spawnSync(process.execPath, [CLI, 'serve', '--nope'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--nope');
  });
});

describe('activityd demo', () => {
  it('has activities of three types moving at once', async () => {
    const server = await startServe(['demo', '--port', '0', '--log-level', 'warn'], { ACTIVITYD_ADMIN_TOKEN: 't' });
    servers.push(server);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const res = await fetch(`${server.url}/v1/activities?state=running`, { headers: { authorization: 'Bearer t' } });
    const { activities } = (await res.json()) as { activities: Activity[] };
    expect(activities.length).toBeGreaterThanOrEqual(3);
    expect(new Set(activities.map((a) => a.type))).toEqual(new Set(['library.update.section', 'media.transcode', 'upload']));
    expect(activities.some((a) => (a.progress ?? 0) > 0)).toBe(true);
  });
});
