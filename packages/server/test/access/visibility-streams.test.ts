import { SYSTEM, type ActivityHub } from '@activityd/core';
import type { HubEvent } from '@activityd/protocol';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ADMIN, bearer, expectedPrincipal, expectVisible, newUser, openSse, openWs, startApp, waitUntil, worldArbitrary,
  type Expected, type StreamMessage, type World,
} from './helpers.js';

/** How long a stream that has everything it should get is watched for anything more. */
const GRACE_MS = 150;

const keyOf = (e: StreamMessage | HubEvent): string => {
  const m = e as StreamMessage & { change?: { model: string; id: unknown } };
  return m.activity ? `${m.seq} ${m.type} ${m.activity.id}` : `${m.seq} ${m.type} ${m.change?.model}/${String(m.change?.id)}`;
};

interface Who { token: string; exp: Expected }

/** Groups, users and tokens through `hub.access`; the admin token is one more principal. */
async function people(hub: ActivityHub, world: World) {
  for (const g of world.groups) await hub.access.createGroup(SYSTEM, { id: g.id, name: g.id, parentId: g.parent });
  const userIds: number[] = [];
  for (const u of world.users) userIds.push((await hub.access.createUser(SYSTEM, u)).id);
  const principals: Who[] = [];
  for (const t of world.tokens) {
    const userId = userIds[t.user]!;
    const { token } = await hub.access.createToken(SYSTEM, { userId, scopes: t.scopes, service: t.service });
    principals.push({ token, exp: expectedPrincipal(world.users[t.user]!, userId, t) });
  }
  const admin = (await hub.access.listUsers(SYSTEM)).find((u) => u.admin && u.name === 'admin')!;
  principals.push({ token: ADMIN, exp: { userId: admin.id, admin: true, service: true, groups: admin.groups, has: () => true } });
  const groupsOf = new Map<number, string[]>([[admin.id, admin.groups], ...world.users.map((u, i) => [userIds[i]!, u.groups] as [number, string[]])]);
  return { userIds, principals, groupsOf };
}

async function checkStreams(world: World): Promise<void> {
  const { hub, url } = await startApp({ listen: true });
  const { userIds, principals, groupsOf } = await people(hub, world);
  const log: HubEvent[] = [];
  hub.on('event', (e) => log.push(e));

  // Phase A, before anyone connects (replayed from the log with since=0).
  const ids: string[] = [];
  for (const a of world.activities) {
    const owner = a.owner === null ? null : userIds[a.owner]!;
    const created = await hub.create({ type: 'job', owner, groups: a.groups, cancellable: a.cancellable }, SYSTEM);
    await hub.update(created.id, { progress: 10 }, SYSTEM);
    ids.push(created.id);
  }
  const readers = principals.filter((p) => p.exp.has('read'));
  const streams = [];
  for (const p of readers) {
    const sse = await openSse(`${url}/v1/events?token=${encodeURIComponent(p.token)}&since=0`);
    expect(sse.status).toBe(200);
    const ws = await openWs(`${url.replace('http', 'ws')}/v1/ws?token=${encodeURIComponent(p.token)}`);
    streams.push({ p, sse, ws });
  }

  // Phase B, while connected (delivered live): ends, and change-feed entries shared like the activities.
  for (const [i, a] of world.activities.entries()) {
    if (a.end === 'completed') await hub.complete(ids[i]!, { i }, SYSTEM);
    if (a.end === 'failed') await hub.fail(ids[i]!, { message: 'boom' }, SYSTEM);
    if (a.end === 'cancelled') await hub.cancel(ids[i]!, SYSTEM);
    await hub.changes.record({ model: 'asset', id: i, groups: a.groups }, SYSTEM);
  }

  try {
    const visibleEvents = (exp: Expected) => log.filter((e) => {
      const item = 'activity' in e ? e.activity : (e as unknown as { change: { owner: number | null; groups: string[] } }).change;
      return expectVisible(exp, item, world.groups);
    }).map(keyOf);
    for (const { p, sse, ws } of streams) {
      const expected = visibleEvents(p.exp);
      await waitUntil(() => sse.events.length >= expected.length && ws.events().length >= expected.length, 5_000);
    }
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
    for (const { p, sse, ws } of streams) {
      const expected = visibleEvents(p.exp);
      expect(sse.events.map(keyOf), `SSE of user ${p.exp.userId}`).toEqual(expected);
      expect(ws.events().map(keyOf), `WS of user ${p.exp.userId}`).toEqual(expected);
    }
  } finally {
    for (const { sse, ws } of streams) {
      sse.close();
      ws.close();
    }
  }

  // Presence: every reader lists once; the admin sees all users seen, a user those the rule lets it see.
  for (const p of readers) expect((await fetch(`${url}/v1/activities`, { headers: bearer(p.token) })).status).toBe(200);
  const seen = [...new Set(readers.map((p) => p.exp.userId))];
  for (const p of readers) {
    const res = await fetch(`${url}/v1/presence`, { headers: bearer(p.token) });
    expect(res.status).toBe(200);
    const { presence } = (await res.json()) as { presence: Array<{ userId: number; name: string; seenAt: number }> };
    const expected = seen.filter((id) => expectVisible(p.exp, { owner: id, groups: groupsOf.get(id)! }, world.groups));
    expect(presence.map((x) => x.userId).sort(), `presence for user ${p.exp.userId}`).toEqual(expected.sort());
    if (p.token === ADMIN) expect(presence.map((x) => x.userId).sort()).toEqual([...seen].sort());
  }
}

describe('visibility on the live streams (SSE and WebSocket over real sockets)', () => {
  it('each principal gets exactly the events of what it may see; presence follows the same rule', async () => {
    await fc.assert(
      fc.asyncProperty(worldArbitrary({ groups: 5, users: 4, tokens: 4, activities: 6 }), checkStreams),
      { numRuns: 5 },
    );
  }, 60_000);

  it('an ancestor group member sees a subgroup activity on both streams; a subgroup member never sees the parent\'s', async () => {
    const { hub, url } = await startApp({ listen: true });
    await hub.access.createGroup(SYSTEM, { id: 'team', name: 'team' });
    await hub.access.createGroup(SYSTEM, { id: 'sub', name: 'sub', parentId: 'team' });
    const lead = await newUser(hub, ['team'], { scopes: ['read'] });
    const member = await newUser(hub, ['sub'], { scopes: ['read'] });
    const onSub = await hub.create({ type: 'job', groups: ['sub'] }, SYSTEM);
    const onTeam = await hub.create({ type: 'job', groups: ['team'] }, SYSTEM);
    const ids = async (token: string) => {
      const sse = await openSse(`${url}/v1/events?token=${token}&since=0`);
      const ws = await openWs(`${url.replace('http', 'ws')}/v1/ws?token=${token}`);
      await waitUntil(() => sse.events.length > 0 && ws.events().length > 0);
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
      sse.close();
      ws.close();
      return { sse: sse.events.map((e) => e.activity?.id), ws: ws.events().map((e) => e.activity?.id) };
    };
    expect(await ids(lead.token)).toEqual({ sse: [onSub.id, onTeam.id], ws: [onSub.id, onTeam.id] });
    expect(await ids(member.token)).toEqual({ sse: [onSub.id], ws: [onSub.id] });
  });

  it('a token without the read scope gets no events on either stream', async () => {
    const { hub, url } = await startApp({ listen: true });
    const reporter = await newUser(hub, ['root'], { scopes: ['report', 'cancel'] });
    await hub.create({ type: 'job', groups: ['root'] }, SYSTEM);
    expect((await fetch(`${url}/v1/activities`, { headers: bearer(reporter.token) })).status).toBe(403);
    const sse = await openSse(`${url}/v1/events?token=${reporter.token}&since=0`);
    expect(sse.status).toBe(403);
    expect(JSON.parse(sse.body)).toMatchObject({ error: { code: 'ACT_ERR_FORBIDDEN' } });
    const ws = await openWs(`${url.replace('http', 'ws')}/v1/ws?token=${reporter.token}`);
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS));
    ws.close();
    expect(ws.messages.filter((m) => m.activity)).toEqual([]);
    expect(ws.messages).toContainEqual(expect.objectContaining({ type: 'error', error: expect.objectContaining({ code: 'ACT_ERR_FORBIDDEN' }) }));
  });

  it('a bad token is refused before the stream opens: SSE 401, WebSocket upgrade 401', async () => {
    const { url } = await startApp({ listen: true });
    const sse = await openSse(`${url}/v1/events?token=nope&since=0`);
    expect(sse.status).toBe(401);
    expect(JSON.parse(sse.body)).toMatchObject({ error: { code: 'ACT_ERR_UNAUTHENTICATED' } });
    await expect(openWs(`${url.replace('http', 'ws')}/v1/ws?token=nope`)).rejects.toThrow(/upgrade refused: 401/);
  });
});
