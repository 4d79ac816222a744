import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import acs from 'ac-signature';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, startServe, type ServeProcess } from './serve-process.js';

const dirs: string[] = [];
const servers: ServeProcess[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) if (s.proc.exitCode === null) await s.kill();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs `activityd <args> --json` and parses what it prints. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CLI's JSON is checked with expect
function cli(args: string[]): any {
  const run = spawnSync(process.execPath, [CLI, ...args, '--json'], { encoding: 'utf8', timeout: 20_000 });
  if (run.status !== 0) throw new Error(`activityd ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** The same, without blocking: for calls to the running server that need not wait for each other. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the CLI's JSON is checked with expect
function cliAsync(args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args, '--json'], { encoding: 'utf8', timeout: 20_000 }, (error, stdout, stderr) =>
      (error ? reject(new Error(`activityd ${args.join(' ')}: ${stderr || String(error)}`)) : resolve(JSON.parse(stdout))));
  });
}

/** Every file under `dir`, as bytes. */
function filesIn(dir: string): Array<{ name: string; bytes: Buffer }> {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ name: path, bytes: readFileSync(path) }));
}

function signed(key: { accessKey: string; accessSecret: string }, path: string, payload: Record<string, unknown> = {}) {
  const { hash, timestamp } = acs.sign({ accessSecret: key.accessSecret, path, payload }, { version: 5 }) as { hash: string; timestamp: number };
  return {
    'x-admiralcloud-accesskey': key.accessKey, 'x-admiralcloud-rts': String(timestamp), 'x-admiralcloud-hash': hash, 'x-admiralcloud-version': '5',
  };
}

describe('access management from the CLI, and no secret at rest or in the logs', () => {
  it('groups, users, tokens and keys made locally and remotely work over HTTP; the data directory and the logs hold none of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'activityd-access-'));
    dirs.push(dir);
    const local = ['--data-dir', dir];

    // Against the local data directory, before any server runs.
    expect(cli(['groups', 'add', '--name', 'Team', '--id', 'team', ...local])).toMatchObject({ id: 'team', name: 'Team', parentId: 'root' });
    const ann = cli(['users', 'add', '--name', 'ann', '--groups', 'team', ...local]) as { id: number; groups: string[] };
    expect(ann).toMatchObject({ name: 'ann', groups: ['team'], admin: false });
    const localToken = cli(['tokens', 'create', '--user', String(ann.id), '--name', 'laptop', ...local]) as { id: string; token: string };
    const localKey = cli(['keys', 'create', '--user', String(ann.id), ...local]) as { accessKey: string; accessSecret: string };
    expect(localToken.token).toMatch(/^act_/);
    expect(localKey.accessSecret.length).toBeGreaterThanOrEqual(32);

    const adminToken = `adm_${randomBytes(24).toString('hex')}`;
    const server = await startServe(['serve', '--port', '0', '--data-dir', dir, '--log-level', 'trace'], { ACTIVITYD_ADMIN_TOKEN: adminToken });
    servers.push(server);
    const remote = ['--url', server.url, '--token', adminToken];

    // Against the running server.
    expect(cli(['groups', 'add', '--name', 'Ops', '--id', 'ops', '--parent', 'team', ...remote])).toMatchObject({ id: 'ops', parentId: 'team' });
    const bob = cli(['users', 'add', '--name', 'bob', '--groups', 'ops', ...remote]) as { id: number };
    const [remoteToken, remoteKey] = await Promise.all([
      cliAsync(['tokens', 'create', '--user', String(bob.id), '--scopes', 'read,report', ...remote]) as Promise<{ token: string; scopes: string[] }>,
      cliAsync(['keys', 'create', '--user', String(bob.id), ...remote]) as Promise<{ accessKey: string; accessSecret: string }>,
    ]);
    expect(remoteToken.scopes).toEqual(['read', 'report']);
    const [listedTokens, listedKeys] = (await Promise.all([cliAsync(['tokens', 'ls', ...remote]), cliAsync(['keys', 'ls', ...remote])])).map((x) => JSON.stringify(x));
    const secrets = [localToken.token, remoteToken.token, localKey.accessSecret, remoteKey.accessSecret, adminToken];
    for (const secret of secrets) expect(listedTokens + listedKeys).not.toContain(secret);
    expect(listedKeys).toContain(localKey.accessKey);

    // The tokens and keys work over HTTP, as their users.
    const api = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init);
    const json = { 'content-type': 'application/json' };
    const byBob = await api('/v1/activities', { method: 'POST', headers: { ...json, authorization: `Bearer ${remoteToken.token}` }, body: '{"type":"upload"}' });
    expect(byBob.status).toBe(201);
    expect(await byBob.json()).toMatchObject({ owner: bob.id, groups: ['ops'] });
    const body = { type: 'transcode', title: 'film' };
    const byAnnKey = await api('/v1/activities', { method: 'POST', headers: { ...json, ...signed(localKey, '/v1/activities', body) }, body: JSON.stringify(body) });
    expect(byAnnKey.status).toBe(201);
    expect(await byAnnKey.json()).toMatchObject({ owner: ann.id, groups: ['team'] });
    // Ann (team) sees bob's activity in ops, below team; bob does not see ann's.
    const annList = await (await api('/v1/activities', { headers: { authorization: `Bearer ${localToken.token}` } })).json() as { activities: unknown[] };
    expect(annList.activities).toHaveLength(2);
    const bobList = await (await api('/v1/activities', { headers: signed(remoteKey, '/v1/activities') })).json() as { activities: unknown[] };
    expect(bobList.activities).toHaveLength(1);
    expect((await api(`/v1/activities?token=${localToken.token}`)).status).toBe(200);
    expect((await api(`/v1/activities?X-Plex-Token=${remoteToken.token}`)).status).toBe(200);
    // Failures that a careless server would log with the credential in them.
    expect((await api(`/v1/activities?token=${localToken.token}x`)).status).toBe(401);
    expect((await api('/v1/admin/users', { headers: { authorization: `Bearer ${localToken.token}` } })).status).toBe(403);
    const badSig = { ...signed(localKey, '/v1/activities'), 'x-admiralcloud-rts': '1' };
    expect((await api('/v1/activities', { headers: badSig })).status).toBe(401);
    const sse = new AbortController();
    const stream = await api(`/v1/events?token=${localToken.token}&since=0`, { signal: sse.signal });
    expect(stream.status).toBe(200);
    sse.abort();

    // While it runs (the WAL holds recent writes) and after it stops, no file holds a secret in plain text.
    const scan = () => {
      const files = filesIn(dir);
      expect(files.map((f) => f.name).some((n) => n.endsWith('activityd.db'))).toBe(true);
      for (const { name, bytes } of files) {
        for (const secret of secrets) expect(bytes.includes(Buffer.from(secret)), `${secret.slice(0, 8)}… in ${name}`).toBe(false);
      }
      // The scan does see the store's contents: the tokens' hashes and the access keys are there.
      const all = Buffer.concat(files.map((f) => f.bytes));
      for (const token of [localToken.token, remoteToken.token, adminToken]) {
        expect(all.includes(Buffer.from(createHash('sha256').update(token).digest('hex')))).toBe(true);
      }
      expect(all.includes(Buffer.from(remoteKey.accessKey))).toBe(true);
      return files.map((f) => f.name);
    };
    const whileRunning = scan();
    expect(whileRunning.some((n) => n.endsWith('-wal'))).toBe(true);
    expect(await server.stop()).toBe(0);
    servers.pop();
    scan();

    // The server printed none of them either.
    const output = server.output();
    expect(output).toContain('activityd listening on');
    for (const secret of secrets) expect(output).not.toContain(secret);
    expect(output).not.toContain(localKey.accessSecret.slice(0, 16));
  }, 150_000);
});
