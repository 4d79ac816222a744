// The real `activityd` binary talking to a real server: ls, get, cancel, result, and `run`, which
// wraps a command as an activity (PROGRESS lines, exit code, cancellation kills it and its children).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity, ActivitydClient } from '@activityd/client';
import { clientOf, startServe, TOKEN, waitFor, type ServeProcess } from '../../packages/client/test/support/servers.js';
import { alive, childrenOf, cliEnv, runCli, spawnCli } from '../../packages/client/test/support/cli.js';

let server: ServeProcess;
let api: ActivitydClient;
let env: Record<string, string>;
let scratch: string;
beforeAll(async () => {
  server = await startServe(['serve', '--port', '0', '--store', 'memory', '--log-level', 'warn'], { ACTIVITYD_ADMIN_TOKEN: TOKEN });
  api = clientOf(server.url);
  env = cliEnv(server.url);
  scratch = mkdtempSync(join(tmpdir(), 'activityd-cli-run-'));
});
afterAll(async () => {
  await server?.kill();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

let n = 0;
const uniqueType = (base: string) => `${base}.c${++n}${Date.now().toString(36)}`;
const ID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe('ls, get, cancel, result', () => {
  it('ls prints a table of the visible activities, filtered by --state and --type; --json prints the activities', async () => {
    const type = uniqueType('media.transcode');
    const a = await api.create({ type, title: 'Transcoding Alien (1979)' });
    await api.update(a.id, { progress: 40, subtitle: '1080p → 720p' });
    const b = await api.create({ type, title: 'Transcoding Heat (1995)' });
    await api.complete(b.id);

    const ls = await runCli(['ls', '--type', type], env);
    expect(ls).toMatchObject({ code: 0, stderr: '' });
    const lines = ls.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID {36}STATE {6}PROGRESS {2}TYPE +TITLE +AGE$/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(new RegExp(`^${b.id}  completed  100%      ${type}  Transcoding Heat \\(1995\\) +\\d+ s$`)),
      expect.stringMatching(new RegExp(`^${a.id}  running    40%       ${type}  Transcoding Alien \\(1979\\) — 1080p → 720p  \\d+ s$`)),
    ]);

    const running = await runCli(['ls', '--type', type, '--state', 'running'], env);
    expect(running.stdout).toContain(a.id);
    expect(running.stdout).not.toContain(b.id);
    const json = await runCli(['ls', '--type', type, '--json'], env);
    expect(JSON.parse(json.stdout)).toEqual((await api.list({ type: [type] })).activities);
    expect((await runCli(['ls', '--type', uniqueType('nothing')], env)).stdout).toBe('(no activities)\n');
  });

  it('get prints one activity; --json the activity as the API returns it', async () => {
    const a = await api.create({ type: uniqueType('upload'), title: 'photo.jpg' });
    const get = await runCli(['get', a.id], env);
    expect(get.code).toBe(0);
    expect(get.stdout.split('\n')[1]).toMatch(new RegExp(`^${a.id}  running  …  +${a.type}  photo\\.jpg  \\d+ s$`));
    expect(JSON.parse((await runCli(['get', a.id, '--json'], env)).stdout)).toEqual(await api.get(a.id));
  });

  it('cancel cancels and prints the activity; result prints the result as JSON', async () => {
    const a = await api.create({ type: uniqueType('job'), title: 'cancel me' });
    const cancel = await runCli(['cancel', a.id], env);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(new RegExp(`${a.id}  cancelled`));
    expect((await api.get(a.id)).state).toBe('cancelled');

    const b = await api.create({ type: uniqueType('job') });
    await api.complete(b.id, { scanned: 4, path: '/movies' });
    const result = await runCli(['result', b.id], env);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe(`${JSON.stringify({ scanned: 4, path: '/movies' }, null, 2)}\n`);
  });

  it('errors: exit code 2 and one clear line on stderr', async () => {
    const running = await api.create({ type: uniqueType('job') });
    const ended = await api.create({ type: uniqueType('job') });
    await api.cancel(ended.id);
    const cases: Array<[string[], Record<string, string>, string]> = [
      [['get', 'nope'], env, 'activityd: activity nope not found\n'],
      [['result', running.id], env, `activityd: activity ${running.id} is still running\n`],
      [['cancel', ended.id], env, `activityd: activity ${ended.id} has already ended (cancelled)\n`],
      [['ls'], cliEnv(server.url, 'wrong'), 'activityd: invalid or revoked token\n'],
      [['ls'], { ACTIVITYD_URL: server.url, ACTIVITYD_TOKEN: '' }, 'activityd: no token: pass --token or set ACTIVITYD_TOKEN (the admin token is printed at first start)\n'],
      [['get'], env, 'activityd: activityd get needs an activity id\n'],
    ];
    for (const [args, e, stderr] of cases) {
      expect(await runCli(args, e), args.join(' ')).toEqual({ code: 2, stdout: '', stderr });
    }
  });

  it('--url and --token flags instead of the environment', async () => {
    const a = await api.create({ type: uniqueType('job') });
    const get = await runCli(['get', a.id, '--json', '--url', server.url, '--token', TOKEN], { ACTIVITYD_URL: 'http://127.0.0.1:9', ACTIVITYD_TOKEN: 'wrong' });
    expect(JSON.parse(get.stdout)).toMatchObject({ id: a.id });
  });
});

describe('run', () => {
  /** The activity `run` printed it created. */
  const activityOf = async (cli: { stdout(): string }) => {
    const id = await waitFor('run to print its activity', () => /^activity (\S+)$/m.exec(cli.stdout())?.[1]);
    expect(id).toMatch(ID);
    return id;
  };

  it('PROGRESS lines set progress and subtitle while it runs; other lines pass through; exit 0 → completed with {exitCode: 0}', async () => {
    const go = join(scratch, `go-${++n}`);
    const script = `echo PROGRESS 42 copying files; echo plain output; while [ ! -e '${go}' ]; do sleep 0.05; done; echo PROGRESS 90 verifying`;
    const cli = spawnCli(['run', '--type', 'backup.nightly', '--title', 'Nightly backup', '--', 'sh', '-c', script], env);
    const id = await activityOf(cli);
    const during = await waitFor('progress 42', async () => {
      const a = await api.get(id);
      return a.progress === 42 && a;
    });
    expect(during).toMatchObject({ state: 'running', type: 'backup.nightly', title: 'Nightly backup', subtitle: 'copying files' });
    await waitFor('the plain line to pass through', () => cli.stdout().includes('plain output\n'));
    writeFileSync(go, '');
    const run = await cli.exited;
    expect(run).toEqual({ code: 0, stdout: `activity ${id}\nplain output\n`, stderr: '' });
    expect(await api.get(id)).toMatchObject({ state: 'completed', progress: 100, subtitle: 'verifying', result: { exitCode: 0 } });
  });

  it('exit 3 → failed, and run exits 3 too', async () => {
    const run = await runCli(['run', '--type', 'job', '--', 'sh', '-c', 'echo PROGRESS 10; exit 3'], env);
    expect(run.code).toBe(3);
    const id = /^activity (\S+)$/m.exec(run.stdout)![1]!;
    expect(await api.get(id)).toMatchObject({ state: 'failed', title: 'sh -c echo PROGRESS 10; exit 3', error: { code: 'exit_code', message: 'exited with code 3' } });
  });

  it('cancelling the activity kills the command and its children; run exits 130', async () => {
    const cli = spawnCli(['run', '--type', 'job', '--title', 'sleepy', '--', 'sh', '-c', 'echo PROGRESS 5; sleep 30'], env);
    const id = await activityOf(cli);
    await waitFor('progress 5', async () => (await api.get(id)).progress === 5);
    const [shell] = childrenOf(cli.proc.pid!);
    const [sleeper] = await waitFor('sh to start sleep', () => {
      const kids = childrenOf(shell!);
      return kids.length > 0 && kids;
    });
    expect(alive(shell!) && alive(sleeper!)).toBe(true);

    const started = Date.now();
    await api.cancel(id);
    const run = await cli.exited;
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(run).toEqual({ code: 130, stdout: `activity ${id}\nactivity ${id} was cancelled; the command was stopped\n`, stderr: '' });
    await waitFor('the command and its child to be gone', () => !alive(shell!) && !alive(sleeper!), 2_000);
    expect((await api.get(id)).state).toBe('cancelled');
  });

  it('a command that does not exist: exit 2 with one line, and the activity does not stay running', async () => {
    const type = uniqueType('job');
    const run = await runCli(['run', '--type', type, '--', 'definitely-not-a-command-xyz'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^activityd: .*definitely-not-a-command-xyz.*\n$/);
    const [activity] = (await api.list({ type: [type], state: ['all'] })).activities as [Activity];
    expect(activity).toMatchObject({ state: 'failed', error: { code: 'spawn_failed', message: expect.stringContaining('ENOENT') } });
  });
});
