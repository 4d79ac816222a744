// The server's coded errors come back as the same typed classes; network failures are retried for
// safe calls only; every call can be aborted and times out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActivitydError, EndedError, ForbiddenError, NotCancellableError, NotCompletedError, NotFoundError, UnauthenticatedError,
  ValidationError, type ActivitydClient,
} from '@activityd/client';
import { clientOf, freePort, startServe, TOKEN, type ServeProcess } from './support/servers.js';

let server: ServeProcess;
let client: ActivitydClient;
beforeAll(async () => {
  server = await startServe(['serve', '--port', '0', '--store', 'memory', '--log-level', 'warn'], { ACTIVITYD_ADMIN_TOKEN: TOKEN });
  client = clientOf(server.url);
});
afterAll(async () => {
  await server?.kill();
});

/** The rejection of `promise`, which must reject. */
async function rejectionOf(promise: Promise<unknown>): Promise<ActivitydError> {
  const outcome = await promise.then(() => 'resolved', (error: unknown) => error);
  if (outcome === 'resolved') throw new Error('expected a rejection');
  return outcome as ActivitydError;
}

/** Asserts `error` is `Class`, an ActivitydError with `code` and the status that goes with it. */
function expectCoded(error: unknown, Class: new (...args: never[]) => ActivitydError, code: string, status: number): void {
  expect(error).toBeInstanceOf(Class);
  expect(error).toBeInstanceOf(ActivitydError);
  const coded = error as ActivitydError;
  expect(coded.code).toBe(code);
  expect(coded.status).toBe(status);
  expect(coded.name).toBe(Class.name);
  expect(coded.message).not.toBe('');
}

/** A token of the admin user with only these scopes. */
async function scopedClient(scopes: string[]): Promise<ActivitydClient> {
  const users = await client.admin.list<{ id: number; admin: boolean }>('users');
  const admin = users.find((u) => u.admin)!;
  const { token } = await client.admin.create<{ token: string }>('tokens', { userId: admin.id, scopes });
  return clientOf(server.url, token);
}

describe('typed errors rebuilt from the wire', () => {
  it('401 → UnauthenticatedError, for a wrong token and for none', async () => {
    expectCoded(await rejectionOf(clientOf(server.url, 'wrong').list()), UnauthenticatedError, 'ACT_ERR_UNAUTHENTICATED', 401);
    expectCoded(await rejectionOf(clientOf(server.url, null).get('x')), UnauthenticatedError, 'ACT_ERR_UNAUTHENTICATED', 401);
  });

  it('403 → ForbiddenError: a token without the cancel scope cancelling, without admin listing tokens', async () => {
    const a = await client.create({ type: 'job' });
    const reader = await scopedClient(['read', 'report']);
    expect((await reader.get(a.id)).id).toBe(a.id); // it may read
    expectCoded(await rejectionOf(reader.cancel(a.id)), ForbiddenError, 'ACT_ERR_FORBIDDEN', 403);
    expect((await client.get(a.id)).state).toBe('running');
    expectCoded(await rejectionOf(reader.admin.list('tokens')), ForbiddenError, 'ACT_ERR_FORBIDDEN', 403);
  });

  it('404 → NotFoundError from get, update, cancel and result', async () => {
    for (const call of [() => client.get('nope'), () => client.update('nope', { progress: 1 }), () => client.cancel('nope'), () => client.result('nope')]) {
      expectCoded(await rejectionOf(call()), NotFoundError, 'ACT_ERR_NOT_FOUND', 404);
    }
  });

  it('409 → EndedError (details.state), NotCancellableError, NotCompletedError', async () => {
    const done = await client.create({ type: 'job' });
    await client.complete(done.id);
    const ended = await rejectionOf(client.update(done.id, { progress: 50 }));
    expectCoded(ended, EndedError, 'ACT_ERR_ENDED', 409);
    expect(ended.details).toMatchObject({ state: 'completed' });

    const pinned = await client.create({ type: 'job', cancellable: false });
    expectCoded(await rejectionOf(client.cancel(pinned.id)), NotCancellableError, 'ACT_ERR_NOT_CANCELLABLE', 409);

    const running = await rejectionOf(client.result(pinned.id));
    expectCoded(running, NotCompletedError, 'ACT_ERR_NOT_COMPLETED', 409);
    expect(running.details).toMatchObject({ state: 'running' });
  });

  it('400 → ValidationError', async () => {
    expectCoded(await rejectionOf(client.create({ type: 'not a valid type!' })), ValidationError, 'ACT_ERR_VALIDATION', 400);
    expectCoded(await rejectionOf(client.update('x', { progress: 101 })), ValidationError, 'ACT_ERR_VALIDATION', 400);
  });

  it('watch rejects a wrong token with UnauthenticatedError instead of retrying forever', async () => {
    const events = clientOf(server.url, 'wrong').watch();
    expectCoded(await rejectionOf(events.next()), UnauthenticatedError, 'ACT_ERR_UNAUTHENTICATED', 401);
  });
});

describe('transport', () => {
  /** A client of a port nobody listens on, counting its fetches. */
  async function deadClient(retries: number) {
    const calls: string[] = [];
    const url = `http://127.0.0.1:${await freePort()}`;
    const dead = clientOf(url, TOKEN, { retries, fetch: (input, init) => (calls.push(init?.method ?? 'GET'), fetch(input, init)) });
    return { dead, calls };
  }

  it('a GET is retried with backoff after a network failure; a POST never is', async () => {
    const { dead, calls } = await deadClient(2);
    await expect(dead.get('x')).rejects.toThrow();
    expect(calls).toEqual(['GET', 'GET', 'GET']);
    calls.length = 0;
    await expect(dead.create({ type: 'job' })).rejects.toThrow();
    expect(calls).toEqual(['POST']);
  });

  it('a create with an idempotency key is retried; a reply lost on the way back still makes one activity', async () => {
    const { dead, calls } = await deadClient(2);
    await expect(dead.create({ type: 'job' }, { idempotencyKey: 'k1' })).rejects.toThrow();
    expect(calls).toEqual(['POST', 'POST', 'POST']);

    const type = `job.lost${Date.now().toString(36)}`;
    let lost = 0;
    const flaky = clientOf(server.url, TOKEN, {
      fetch: async (input, init) => {
        const reply = await fetch(input, init); // the server did the work...
        if (init?.method === 'POST' && lost++ === 0) throw new TypeError('fetch failed'); // ...and the reply was lost
        return reply;
      },
    });
    const made = await flaky.create({ type }, { idempotencyKey: `lost-${type}` });
    expect(lost).toBe(2);
    expect((await client.list({ type: [type] })).activities.map((a) => a.id)).toEqual([made.id]);
  });

  it('a call is abandoned when its signal aborts, and not retried', async () => {
    const a = await client.create({ type: 'job' });
    const controller = new AbortController();
    const started = Date.now();
    const waiting = client.get(a.id, { waitSeconds: 30, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user left')), 100);
    await expect(waiting).rejects.toThrow('user left');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a call times out after timeoutMs', async () => {
    const a = await client.create({ type: 'job' });
    const quick = clientOf(server.url, TOKEN, { retries: 0 });
    const started = Date.now();
    await expect(quick.get(a.id, { waitSeconds: 30, timeoutMs: 200 })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
