import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Database } from '../src/sqlite/driver.js';
import { isActivityEvent } from '@activityd/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { applyPatch, wireJson, newActivity, type StoredActivity } from '../src/index.js';
import { SqliteStore } from '../src/sqlite/index.js';

const T0 = 1_700_000_000_000;

describe('SqliteStore group commit (DESIGN §8)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** A store on a file, and a second connection to the same file that sees only what is committed. */
  async function setup() {
    const dir = await mkdtemp(join(tmpdir(), 'activityd-group-'));
    const filename = join(dir, 'activityd.db');
    const store = new SqliteStore({ filename });
    await store.open();
    const other = new Database(filename);
    cleanups.push(async () => {
      other.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    const committed = () => other.prepare<[], { n: number }>('SELECT count(*) AS n FROM events').get()!.n;
    return { store, other, committed, filename };
  }

  const draft = (i: number) => newActivity({ type: 'upload', title: `a${i}` }, T0, null, null);

  it('commits the writes of one turn together, before any resolves or emits', async () => {
    const { store, committed } = await setup();
    const seenCommitted: number[] = [];
    store.subscribe(() => seenCommitted.push(committed()));
    const writes = Array.from({ length: 20 }, (_, i) => store.write({ type: 'activity.started', activity: draft(i), expectSeq: null }));
    expect(committed()).toBe(0); // queued for the end of the turn, not yet written
    const events = await Promise.all(writes);
    expect(events.map((e) => e!.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // The first listener call already sees all 20 rows: one transaction, committed before emitting.
    expect(seenCommitted).toEqual(Array(20).fill(20));
  });

  it('checks seq within a batch: the second of two writes from the same copy fails', async () => {
    const { store } = await setup();
    const started = await store.write({ type: 'activity.started', activity: draft(0), expectSeq: null });
    const a: StoredActivity = { ...draft(0), ...started!.activity, runner: null };
    const [first, second] = await Promise.all([
      store.write({ type: 'activity.updated', activity: applyPatch(a, { progress: 10 }, T0 + 1), expectSeq: a.seq }),
      store.write({ type: 'activity.updated', activity: applyPatch(a, { progress: 20 }, T0 + 1), expectSeq: a.seq }),
    ]);
    expect(first).not.toBeNull();
    expect(second).toBeNull();
    expect((await store.get(a.id))?.progress).toBe(10);
  });

  it('get waits for a queued write of the same activity, and never returns it before the commit', async () => {
    const { store, committed } = await setup();
    const started = await store.write({ type: 'activity.started', activity: draft(0), expectSeq: null });
    const a: StoredActivity = { ...started!.activity, runner: null };
    const writing = store.write({ type: 'activity.updated', activity: applyPatch(a, { progress: 50 }, T0 + 1), expectSeq: a.seq });
    const read = await store.get(a.id);
    expect(committed()).toBe(2);
    expect(read?.progress).toBe(50);
    await writing;
  });

  it('a failed batch rejects every write in it, and leaves seq, cache and log as they were', async () => {
    const { store, other } = await setup();
    const started = await store.write({ type: 'activity.started', activity: draft(0), expectSeq: null });
    const a: StoredActivity = { ...started!.activity, runner: null };
    expect(await store.get(a.id)).toMatchObject({ progress: null, seq: 1 });
    // Another connection takes seq 3: the batch's second write collides and the whole batch rolls back.
    other.prepare('INSERT INTO events (seq, doc) VALUES (3, ?)').run('{}');
    const batch = [
      store.write({ type: 'activity.updated', activity: applyPatch(a, { progress: 10 }, T0 + 1), expectSeq: 1 }),
      store.write({ type: 'activity.started', activity: draft(1), expectSeq: null }),
    ];
    const outcomes = await Promise.allSettled(batch);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(await store.get(a.id)).toMatchObject({ progress: null, seq: 1 });
    other.prepare('DELETE FROM events WHERE seq = 3').run();
    const next = await store.write({ type: 'activity.updated', activity: applyPatch(a, { progress: 20 }, T0 + 2), expectSeq: 1 });
    expect(next?.seq).toBe(2);
    const log = await store.eventsAfter(0, 10);
    expect(log.map((e) => e.seq)).toEqual([1, 2]);
    expect(log.filter(isActivityEvent).map((e) => e.activity.progress)).toEqual([null, 20]);
  });

  it('another connection changing an activity empties the cache of running activities', async () => {
    const { store, other } = await setup();
    const started = await store.write({ type: 'activity.started', activity: draft(0), expectSeq: null });
    const id = started!.activity.id;
    expect((await store.get(id))?.title).toBe('a0');
    other.prepare(`UPDATE activities SET doc = json_set(doc, '$.title', 'changed') WHERE id = ?`).run(id);
    await new Promise((resolve) => setImmediate(resolve)); // the file is looked at once per event-loop turn
    expect((await store.get(id))?.title).toBe('changed');
  });

  it('the text of each event, as the log row keeps it, is what the streams send: JSON.stringify of the event', async () => {
    const { store } = await setup();
    const emitted: unknown[] = [];
    store.subscribe((e) => emitted.push(e));
    const started = await store.write({ type: 'activity.started', activity: newActivity({ type: 'upload', title: 'q"uote\u2028', context: { n: 1 } }, T0, null, 'node-1'), expectSeq: null });
    const a: StoredActivity = { ...started!.activity, runner: 'node-1' };
    await store.write({ type: 'activity.updated', activity: applyPatch(a, { progress: 12.5, subtitle: 'ü' }, T0 + 1), expectSeq: a.seq });
    const log = await store.eventsAfter(0, 10);
    expect(emitted).toEqual(log);
    for (const event of emitted as Array<{ activity: object }>) {
      expect(wireJson(event)).toBe(JSON.stringify(event));
      expect(wireJson(event.activity)).toBe(JSON.stringify(event.activity));
    }
    expect(JSON.stringify(emitted)).not.toContain('runner');
  });

  it('close commits what is queued', async () => {
    const { store, filename } = await setup();
    const pending = store.write({ type: 'activity.started', activity: draft(0), expectSeq: null });
    await store.close();
    expect((await pending)?.seq).toBe(1);
    const reopened = new SqliteStore({ filename });
    await reopened.open();
    cleanups.push(() => reopened.close());
    expect((await reopened.get((await pending)!.activity.id))?.title).toBe('a0');
  });
});
