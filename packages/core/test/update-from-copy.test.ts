import { describe, expect, it } from 'vitest';
import { MemoryStore, SYSTEM, type StoredActivity } from '../src/index.js';
import { startHub } from './hub-fixture.js';

/**
 * A store holding per-activity copies in memory, as a shared store's node does: `heldForUpdate`
 * answers at once, `getForUpdate` with a promise. Copies are set by hand, possibly stale.
 */
class CopyingStore extends MemoryStore {
  readonly copies = new Map<string, StoredActivity>();
  readonly calls: string[] = [];

  heldForUpdate(id: string): StoredActivity | undefined {
    this.calls.push('held');
    return this.copies.get(id);
  }

  async getForUpdate(id: string): Promise<StoredActivity | undefined> {
    this.calls.push('getForUpdate');
    return this.get(id);
  }

  override async get(id: string): Promise<StoredActivity | undefined> {
    this.calls.push('get');
    return super.get(id);
  }
}

describe('updates from a copy the store holds', () => {
  it('start from the held copy, with no read, when it is current', async () => {
    const store = new CopyingStore();
    const { hub, eventsOf } = await startHub({ store });
    const a = await hub.create({ type: 'copy', progress: 0 }, SYSTEM);
    store.copies.set(a.id, { ...(await store.get(a.id))! });
    store.calls.length = 0;
    const updated = await hub.update(a.id, { progress: 30 }, SYSTEM);
    expect(store.calls).toEqual(['held']);
    expect(updated).toMatchObject({ progress: 30, seq: a.seq + 1 });
    expect(eventsOf(a.id, 'activity.updated').map((e) => e.activity.progress)).toEqual([30]);
  });

  it('ask getForUpdate when no copy is held, and read again when the held one is stale', async () => {
    const store = new CopyingStore();
    const { hub } = await startHub({ store });
    const a = await hub.create({ type: 'copy', progress: 0 }, SYSTEM);
    store.calls.length = 0;
    await hub.update(a.id, { progress: 10 }, SYSTEM);
    expect(store.calls).toEqual(['held', 'getForUpdate', 'get']);
    // A copy from before that update: its CAS fails and the hub decides again on the stored one.
    store.copies.set(a.id, { ...a, runner: null });
    store.calls.length = 0;
    const updated = await hub.update(a.id, { progress: 20 }, SYSTEM);
    expect(store.calls).toEqual(['held', 'get']);
    expect(updated).toMatchObject({ progress: 20, seq: a.seq + 2 });
  });

  it('reject, not throw, a malformed call', async () => {
    const { hub } = await startHub();
    const a = await hub.create({ type: 'copy' }, SYSTEM);
    const call = () => hub.update(a.id, undefined as never, SYSTEM);
    let result: Promise<unknown> | undefined;
    expect(() => { result = call(); }).not.toThrow();
    await expect(result).rejects.toThrow(TypeError);
  });
});
