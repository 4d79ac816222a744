// The Plex dialect against the real `activityd serve`, driven by Plex's own clients: plexjs for the
// list and cancel, @ctrl/plex's AlertListener for the WebSocket, `eventsource` for the event stream.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlexAPI } from '@lukehagar/plexjs';
import { PlexAPIError } from '@lukehagar/plexjs/sdk/models/errors/plexapierror.js';
import { AlertListener } from '@ctrl/plex';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { ActivityHub, MemoryStore } from '@activityd/core';
import { buildServer, replyAccepted } from '@activityd/server';
import {
  call, createActivity, eventually, getActivity, group, ok, plexServerLike, sleep, startServer, user,
  type Server, type TestUser,
} from './dialect-helpers.js';

const PLEX_401 = { errors: [{ code: 1001, message: 'User could not be authenticated', status: 401 }] };

/** The error a plexjs call throws (the SDK throws on 4xx/5xx). */
async function plexError(promise: Promise<unknown>): Promise<PlexAPIError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(PlexAPIError);
    return error as PlexAPIError;
  }
  throw new Error('expected the Plex client to throw');
}

/** The activities plexjs parses from `GET /activities`. */
async function plexList(plex: PlexAPI) {
  const result = await plex.activities.listActivities();
  expect(result.statusCode).toBe(200);
  expect(result.contentType).toBe('application/json');
  const activities = result.object?.mediaContainer?.activity;
  expect(Array.isArray(activities), 'MediaContainer.Activity is an array').toBe(true);
  return activities!;
}

let server: Server;
let alice: TestUser;
let plex: PlexAPI;

beforeAll(async () => {
  server = await startServer('e2e-plex-admin');
  alice = await user(server, 'alice', [await group(server, 'plex-alice')]);
  plex = new PlexAPI({ serverURL: server.url, token: alice.token });
});
afterAll(async () => {
  await server?.serve.stop();
});

describe('GET /activities with plexjs', () => {
  it('lists zero activities as an empty Activity array, then one and two with Plex types and casing', async () => {
    expect(await plexList(plex)).toEqual([]);
    const raw = await fetch(`${server.url}/activities`, { headers: { accept: 'application/json', 'x-plex-token': alice.token } });
    expect(await raw.json()).toEqual({ MediaContainer: { size: 0, Activity: [] } });

    const a = await createActivity(server, alice.token, { type: 'media.transcode', title: 'Transcoding Alien (1979)', context: { mediaContainerId: 42, codec: 'h264' } });
    const one = await plexList(plex);
    // Indeterminate progress is -1, a missing subtitle is '', Context/Response are objects.
    expect(one).toEqual([{
      uuid: a.id, type: 'media.transcode', cancellable: true, userID: alice.id, title: 'Transcoding Alien (1979)',
      subtitle: '', progress: -1, context: { mediaContainerId: 42, codec: 'h264' }, response: {},
    }]);
    expect(Number.isInteger(one[0]!.userID)).toBe(true);
    expect(typeof one[0]!.cancellable).toBe('boolean');

    await ok(server, 200, 'PATCH', `/v1/activities/${a.id}`, { progress: 40, subtitle: '1080p → 720p' }, alice.token);
    const b = await createActivity(server, alice.token, { type: 'upload', title: 'holiday.mov', cancellable: false, progress: 0 });
    const two = await plexList(plex);
    expect(two).toHaveLength(2);
    expect(two.find((x) => x.uuid === a.id)).toMatchObject({ progress: 40, subtitle: '1080p → 720p', cancellable: true });
    expect(two.find((x) => x.uuid === b.id)).toMatchObject({ progress: 0, subtitle: '', cancellable: false, userID: alice.id, context: {}, response: {} });
    const rawTwo = (await (await fetch(`${server.url}/activities`, { headers: { accept: 'application/json', 'x-plex-token': alice.token } })).json()) as { MediaContainer: { size: number; Activity: Array<Record<string, unknown>> } };
    expect(rawTwo.MediaContainer.size).toBe(2);
    for (const item of rawTwo.MediaContainer.Activity) {
      expect(Object.keys(item).sort()).toEqual(['Context', 'Response', 'cancellable', 'progress', 'subtitle', 'title', 'type', 'userID', 'uuid']);
    }

    // XML when JSON is not asked for: size, booleans as 1/0.
    const xml = await fetch(`${server.url}/activities`, { headers: { 'x-plex-token': alice.token } });
    expect(xml.status).toBe(200);
    expect(xml.headers.get('content-type')).toMatch(/^text\/xml/);
    const text = await xml.text();
    expect(text).toMatch(/<MediaContainer size="2">/);
    const attrs = (uuid: string) => Object.fromEntries([...new RegExp(`<Activity ([^>]*uuid="${uuid}"[^>]*)>`).exec(text)![1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    expect(attrs(a.id)).toEqual({ uuid: a.id, type: 'media.transcode', cancellable: '1', userID: String(alice.id), title: 'Transcoding Alien (1979)', subtitle: '1080p → 720p', progress: '40' });
    expect(attrs(b.id)).toMatchObject({ cancellable: '0', progress: '0', subtitle: '' });
    expect(text).toContain('<Context mediaContainerId="42" codec="h264" />');

    // Ended activities leave the list.
    await ok(server, 200, 'PATCH', `/v1/activities/${a.id}`, { state: 'completed', result: { bytes: 1 } }, alice.token);
    await ok(server, 200, 'PATCH', `/v1/activities/${b.id}`, { state: 'failed', error: { message: 'disk full' } }, alice.token);
    expect(await plexList(plex)).toEqual([]);
    expect(await (await fetch(`${server.url}/activities`, { headers: { 'x-plex-token': alice.token } })).text()).toMatch(/<MediaContainer size="0"><\/MediaContainer>/);
  });

  it('refuses a bad or missing token with Plex\'s 401 body, and takes the token from the query', async () => {
    for (const client of [new PlexAPI({ serverURL: server.url, token: 'not-a-token' }), new PlexAPI({ serverURL: server.url })]) {
      const error = await plexError(client.activities.listActivities());
      expect(error.statusCode).toBe(401);
      expect(JSON.parse(error.body)).toEqual(PLEX_401);
    }
    const cancel = await plexError(new PlexAPI({ serverURL: server.url, token: 'not-a-token' }).activities.cancelActivity({ activityId: randomUUID() }));
    expect(cancel.statusCode).toBe(401);
    expect(JSON.parse(cancel.body)).toEqual(PLEX_401);

    const a = await createActivity(server, alice.token, { type: 'library.update.section', title: 'Scanning Movies' });
    const inQuery = await fetch(`${server.url}/activities?X-Plex-Token=${alice.token}`, { headers: { accept: 'application/json' } });
    expect(inQuery.status).toBe(200);
    expect(((await inQuery.json()) as { MediaContainer: { Activity: Array<{ uuid: string }> } }).MediaContainer.Activity.map((x) => x.uuid)).toEqual([a.id]);
    const badQuery = await fetch(`${server.url}/activities?X-Plex-Token=nope`, { headers: { accept: 'application/json' } });
    expect(badQuery.status).toBe(401);
    expect(await badQuery.json()).toEqual(PLEX_401);
    await ok(server, 200, 'PATCH', `/v1/activities/${a.id}`, { state: 'completed' }, alice.token);
  });
});

describe('DELETE /activities/{uuid} with plexjs', () => {
  it('cancels a cancellable activity with exactly 200; 400 if not cancellable; 404 if unknown or ended', async () => {
    const a = await createActivity(server, alice.token, { type: 'media.transcode', title: 'Heat (1995)', cancellable: true });
    const cancelled = await plex.activities.cancelActivity({ activityId: a.id });
    expect(cancelled.statusCode).toBe(200);
    expect((await getActivity(server, a.id)).state).toBe('cancelled');
    expect((await plexList(plex)).map((x) => x.uuid)).not.toContain(a.id);
    // Its reporter learns it at its next update.
    expect((await call(server, 'PATCH', `/v1/activities/${a.id}`, { progress: 10 }, alice.token)).status).toBe(409);

    const b = await createActivity(server, alice.token, { type: 'upload', title: 'holiday.mov', cancellable: false });
    const notCancellable = await plexError(plex.activities.cancelActivity({ activityId: b.id }));
    expect(notCancellable.statusCode).toBe(400);
    expect((await getActivity(server, b.id)).state).toBe('running');

    expect((await plexError(plex.activities.cancelActivity({ activityId: randomUUID() }))).statusCode).toBe(404);
    expect((await plexError(plex.activities.cancelActivity({ activityId: a.id }))).statusCode).toBe(404);
    await ok(server, 200, 'PATCH', `/v1/activities/${b.id}`, { state: 'completed' }, alice.token);
  });
});

describe('notifications', () => {
  type Container = { type: string; size: number; ActivityNotification: Array<{ event: string; uuid: string; Activity: Record<string, unknown> }> };

  it('started/updated/ended reach AlertListener (both WebSocket paths) and EventSource; filters select notification types', async () => {
    const base = plexServerLike(server.url, alice.token);
    const frames = new Map<string, Container[]>();
    const listeners: AlertListener[] = [];
    const listen = async (name: string, key?: string) => {
      frames.set(name, []);
      const listener = new AlertListener(base as never, (container) => frames.get(name)!.push(container as unknown as Container));
      if (key) listener.key = key;
      await listener.run();
      listeners.push(listener);
    };
    const sse = new Map<string, Array<{ ActivityNotification: Container['ActivityNotification'][number] }>>();
    const sources: EventSource[] = [];
    const source = async (name: string, query = '') => {
      sse.set(name, []);
      const es = new EventSource(`${server.url}/:/eventsource/notifications?X-Plex-Token=${alice.token}${query}`);
      sources.push(es);
      es.addEventListener('activity', (event) => sse.get(name)!.push(JSON.parse(event.data)));
      // Every stream opens at once (not at the first ping, 10 s later), whatever its filter.
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: not open within 2 s`)), 2_000);
        es.onopen = () => { clearTimeout(timer); resolve(undefined); };
        es.onerror = (error) => { clearTimeout(timer); reject(error); };
      });
    };
    try {
      await listen('ws');
      await listen('ws-singular', '/:/websocket/notifications');
      await listen('ws-filters', '/:/websockets/notifications?filters=playing,activity');
      await listen('ws-filter', '/:/websocket/notifications?filter=timeline&filter=activity');
      await listen('ws-none', '/:/websockets/notifications?filter=playing&filter=timeline');
      await source('es');
      await source('es-filter', '&filter=playing&filter=activity');
      await source('es-none', '&filters=playing,timeline');
      const positive = ['ws', 'ws-singular', 'ws-filters', 'ws-filter'];
      const eventsOf = (name: string, uuid: string) => name.startsWith('ws')
        ? frames.get(name)!.flatMap((c) => c.ActivityNotification).filter((n) => n.uuid === uuid)
        : sse.get(name)!.map((m) => m.ActivityNotification).filter((n) => n.uuid === uuid);

      // Warm-up: every stream that should hear activities is subscribed once it hears this one.
      const warm = await createActivity(server, alice.token, { type: 'warm.up' });
      await eventually(() => { for (const name of [...positive, 'es', 'es-filter']) expect(eventsOf(name, warm.id)).toHaveLength(1); });

      const a = await createActivity(server, alice.token, { type: 'library.update.section', title: 'Scanning Movies', context: { librarySectionID: 1 } });
      await ok(server, 200, 'PATCH', `/v1/activities/${a.id}`, { progress: 50, subtitle: 'Alien (1979)' }, alice.token);
      await ok(server, 200, 'PATCH', `/v1/activities/${a.id}`, { state: 'completed', result: { scanned: 4 } }, alice.token);
      await eventually(() => { for (const name of [...positive, 'es', 'es-filter']) expect(eventsOf(name, a.id).map((n) => n.event)).toEqual(['started', 'updated', 'ended']); });

      for (const name of positive) {
        for (const c of frames.get(name)!) expect(c).toMatchObject({ type: 'activity', size: c.ActivityNotification.length });
      }
      for (const name of [...positive, 'es', 'es-filter']) {
        const [started, updated, ended] = eventsOf(name, a.id);
        expect(started!.Activity).toEqual({
          uuid: a.id, type: 'library.update.section', cancellable: true, userID: alice.id, title: 'Scanning Movies',
          subtitle: '', progress: -1, Context: { librarySectionID: 1 }, Response: {},
        });
        expect(updated!.Activity).toMatchObject({ progress: 50, subtitle: 'Alien (1979)' });
        expect(ended!.Activity).toMatchObject({ progress: 100, Response: { scanned: 4 } });
      }
      // A filter without `activity` hears nothing, though its stream stays open.
      await sleep(300);
      expect(frames.get('ws-none')).toEqual([]);
      expect(sse.get('es-none')).toEqual([]);
      expect(sources.every((es) => es.readyState === EventSource.OPEN)).toBe(true);
    } finally {
      for (const listener of listeners) listener.stop();
      for (const es of sources) es.close();
    }
  });

  it('pings the event stream every 10 s, also when its filter selects nothing', async () => {
    const es = new EventSource(`${server.url}/:/eventsource/notifications?X-Plex-Token=${alice.token}&filters=playing`);
    try {
      const ping = await new Promise<MessageEvent>((resolve) => es.addEventListener('ping', resolve));
      expect(JSON.parse(ping.data)).toEqual({});
    } finally {
      es.close();
    }
  }, 15_000);

  it('refuses a WebSocket or event stream with a bad token (401 before the upgrade)', async () => {
    const status = await new Promise<number | undefined>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/:/websockets/notifications?X-Plex-Token=nope`);
      ws.on('unexpected-response', (_request, response) => { resolve(response.statusCode); ws.terminate(); });
      ws.on('open', () => { resolve(undefined); ws.close(); });
      ws.on('error', () => undefined);
    });
    expect(status).toBe(401);
    const es = await fetch(`${server.url}/:/eventsource/notifications`);
    expect(es.status).toBe(401);
    expect(await es.json()).toEqual(PLEX_401);
  });
});

describe('X-Plex-Activity, in a small embedding', () => {
  it('a route answering with replyAccepted names the activity in X-Plex-Activity beside X-Activity; plexjs lists and cancels it', async () => {
    const hub = new ActivityHub({ store: new MemoryStore() });
    await hub.start();
    await hub.access.bootstrap('embed-token');
    const app = await buildServer({ hub });
    app.post('/library/sections/1/refresh', async (_request, reply) => {
      const { activity } = await hub.run({ type: 'library.update.section', title: 'Scanning Movies' }, (ctx) =>
        new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))));
      return replyAccepted(reply, activity);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.server.address() as { port: number };
      const url = `http://127.0.0.1:${address.port}`;
      const accepted = await fetch(`${url}/library/sections/1/refresh`, { method: 'POST' });
      expect(accepted.status).toBe(202);
      const uuid = accepted.headers.get('x-plex-activity');
      expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(accepted.headers.get('x-activity')).toBe(uuid);
      const embedded = new PlexAPI({ serverURL: url, token: 'embed-token' });
      expect(await plexList(embedded)).toEqual([expect.objectContaining({ uuid, userID: 1, cancellable: true, progress: -1 })]);
      expect((await embedded.activities.cancelActivity({ activityId: uuid! })).statusCode).toBe(200);
      expect((await hub.get(uuid!, (await hub.access.authenticate({ token: 'embed-token' })))).state).toBe('cancelled');
    } finally {
      await app.close();
      await hub.stop();
    }
  });
});
