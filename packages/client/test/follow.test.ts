// `client.follow`: a 202 reply of "your backend" (an embedding: your Fastify app, the native API at
// /v1, in-process work through `hub.run` and `replyAccepted`) followed to its result or its end.
import { describe, expect, it } from 'vitest';
import {
  ActivityCancelledError, ActivityEndedError, ActivityExpiredError, ActivityFailedError, ValidationError, type Activity,
} from '@activityd/client';
import { embedding, waitFor, within } from './support/servers.js';

const post = (url: string) => fetch(url, { method: 'POST' });

describe('follow a 202 reply', () => {
  it('resolves to the result', async () => {
    const { url, client } = await embedding();
    const accepted = await post(`${url}/scan`);
    expect(accepted.status).toBe(202);
    const result = await within(5_000, 'follow', Promise.resolve(client.follow(accepted)));
    expect(result).toEqual({ scanned: 4 });
  });

  it('iterating yields the activity with increasing progress, ending completed; the handle then resolves', async () => {
    const { url, client } = await embedding({ stepMs: 60 });
    const accepted = await post(`${url}/scan`);
    const handle = client.follow<{ scanned: number }>(accepted);
    expect(handle.id).toBe(accepted.headers.get('x-activity'));
    const seen: Activity[] = [];
    for await (const activity of handle) seen.push(activity);

    const progress = seen.map((a) => a.progress ?? 0);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    const running = seen.filter((a) => a.state === 'running').map((a) => a.progress);
    expect(new Set(running).size, `running progress seen: ${running.join(', ')}`).toBeGreaterThanOrEqual(3);
    expect(seen.slice(0, -1).every((a) => a.state === 'running')).toBe(true);
    expect(seen.at(-1)).toMatchObject({ id: handle.id, state: 'completed', progress: 100, result: { scanned: 4 } });
    const seqs = seen.map((a) => a.seq);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b)); // each change once, in order
    expect(await handle).toEqual({ scanned: 4 });
  });

  it('takes X-Plex-Activity too, and refuses a reply without either header', async () => {
    const { url, client } = await embedding();
    const id = (await post(`${url}/scan`)).headers.get('x-activity')!;
    const plexReply = new Response(null, { status: 202, headers: { 'x-plex-activity': id } });
    expect(await client.follow(plexReply)).toEqual({ scanned: 4 });
    expect(() => client.follow(new Response('{}', { status: 200 }))).toThrow(ValidationError);
  });

  it('follows by id, also an activity that already ended', async () => {
    const { url, client } = await embedding({ stepMs: 1 });
    const id = (await post(`${url}/scan`)).headers.get('x-activity')!;
    await client.get(id, { waitSeconds: 5 });
    const seen: Activity[] = [];
    for await (const a of client.follow(id)) seen.push(a);
    expect(seen.map((a) => a.state)).toEqual(['completed']);
    expect(await client.follow(id)).toEqual({ scanned: 4 });
  });
});

describe('follow an activity that does not complete', () => {
  it('a failing activity rejects with ActivityFailedError carrying how it ended', async () => {
    const { url, client } = await embedding();
    const accepted = await post(`${url}/broken`);
    const error = await within(5_000, 'follow', Promise.resolve(client.follow(accepted)).then(() => null, (e: unknown) => e));
    expect(error).toBeInstanceOf(ActivityFailedError);
    expect(error).toBeInstanceOf(ActivityEndedError);
    const { activity } = error as ActivityFailedError;
    expect(activity).toMatchObject({ state: 'failed', progress: 30, error: { message: 'disk full' } });
    expect((error as Error).message).toContain('disk full');
  });

  it('a cancelled activity rejects with ActivityCancelledError; iterating ends with the cancelled state', async () => {
    const { url, client } = await embedding();
    const accepted = await post(`${url}/endless`);
    const handle = client.follow(accepted);
    const seen: Activity[] = [];
    const iterated = (async () => { for await (const a of handle) seen.push(a); })();
    const outcome = Promise.resolve(handle).then(() => null, (e: unknown) => e);
    await waitFor('the work to report 10', () => seen.some((a) => a.progress === 10));
    expect(seen.at(-1)!.state).toBe('running');
    await client.cancel(handle.id);
    const error = await within(3_000, 'follow to reject', outcome);
    expect(error).toBeInstanceOf(ActivityCancelledError);
    expect((error as ActivityCancelledError).activity.state).toBe('cancelled');
    await within(3_000, 'iteration to end', iterated);
    expect(seen.at(-1)!.state).toBe('cancelled');
  });

  it('a remote activity whose lease lapses rejects with ActivityExpiredError', async () => {
    const { client } = await embedding({ leaseMs: 300 });
    const activity = await client.create({ type: 'upload', title: 'photo.jpg' });
    const error = await within(5_000, 'follow', Promise.resolve(client.follow(activity.id)).then(() => null, (e: unknown) => e));
    expect(error).toBeInstanceOf(ActivityExpiredError);
    expect((error as ActivityExpiredError).activity.state).toBe('expired');
  });

  it('aborting the signal stops following with its reason', async () => {
    const { url, client } = await embedding();
    const accepted = await post(`${url}/endless`);
    const controller = new AbortController();
    const outcome = Promise.resolve(client.follow(accepted, { signal: controller.signal })).then(() => null, (e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 100));
    controller.abort(new Error('the user closed the page'));
    const error = await within(2_000, 'follow to stop', outcome);
    expect((error as Error).message).toBe('the user closed the page');
    expect((await client.get(accepted.headers.get('x-activity')!)).state).toBe('running');
  });
});
