import { describe, expect, it } from 'vitest';
import http from 'node:http';
import { AUTH, get, startServer, waitFor } from './clients.js';

// GET /v1/activities/:id?wait=<seconds> over a real socket: answers when the activity ends or
// when the wait runs out, and leaves no listener behind either way.

describe('long-poll ?wait=', () => {
  it('answers as soon as the activity ends, with the ended activity', async () => {
    const s = await startServer();
    const a = await s.create();
    const started = Date.now();
    const reply = get(s, `/v1/activities/${a.id}?wait=10`);
    await waitFor(() => s.hub.listenerCount('activity.ended') === 1, 'the waiter');
    await s.update(a.id, { progress: 50 }); // progress does not answer it
    await new Promise((resolve) => setTimeout(resolve, 50));
    await s.complete(a.id);
    const { status, body } = await reply;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: a.id, state: 'completed', progress: 100, result: { ok: true } });
    expect(s.hub.listenerCount('activity.ended')).toBe(0);
  });

  it('answers with the running activity when the wait runs out', async () => {
    const s = await startServer();
    const a = await s.create();
    await s.update(a.id, { progress: 7 });
    const started = Date.now();
    const { status, body } = await get(s, `/v1/activities/${a.id}?wait=0.3`);
    const took = Date.now() - started;
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: a.id, state: 'running', progress: 7 });
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(5_000);
    expect(s.hub.listenerCount('activity.ended')).toBe(0);
  });

  it('an ended activity answers at once; an unknown one is a 404; a wait over 60 s is a 400', async () => {
    const s = await startServer();
    const a = await s.create();
    await s.complete(a.id);
    const started = Date.now();
    const ended = await get(s, `/v1/activities/${a.id}?wait=30`);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(ended.body).toMatchObject({ id: a.id, state: 'completed' });
    expect((await get(s, '/v1/activities/nope?wait=1')).body.error.code).toBe('ACT_ERR_NOT_FOUND');
    const tooLong = await get(s, `/v1/activities/${a.id}?wait=61`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.code).toBe('ACT_ERR_VALIDATION');
    expect((await get(s, `/v1/activities/${a.id}?wait=1`, {})).status).toBe(401);
  });

  it('a client that goes away releases its wait at once; closing the server answers waits at once', async () => {
    const s = await startServer();
    const a = await s.create();
    const req = http.get(`${s.http}/v1/activities/${a.id}?wait=30`, { agent: false, headers: AUTH });
    req.on('error', () => {});
    await waitFor(() => s.hub.listenerCount('activity.ended') === 1, 'the waiter');
    req.destroy();
    await waitFor(() => s.hub.listenerCount('activity.ended') === 0, 'the waiter to be released');

    const pending = get(s, `/v1/activities/${a.id}?wait=30`);
    await waitFor(() => s.hub.listenerCount('activity.ended') === 1, 'the second waiter');
    const started = Date.now();
    await s.close();
    const { status, body } = await pending;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: a.id, state: 'running' });
    expect(s.hub.listenerCount('activity.ended')).toBe(0);
  });
});
