import type { ChainableCommander, Redis } from 'ioredis';
import type { AccessStore, GroupRecord, KeyRecord, PresenceRecord, TokenRecord, UserRecord } from '@activityd/core';
import type { Keys } from './keys.js';
import type { ScriptCall, ScriptName } from './scripts.js';
import { guarded } from './unavailable.js';

const parse = <T>(json: string): T => JSON.parse(json) as T;
const values = <T>(hash: Record<string, string>): T[] => Object.values(hash).map((v) => parse<T>(v));
const byCreation = <T extends { createdAt: number }>(key: (r: T) => string | number) =>
  (a: T, b: T) => a.createdAt - b.createdAt || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * Access records in the same Redis as the activities, so every node sees a new or revoked token
 * at once: each kind a hash of JSON records by id, tokens with a hash→id lookup, presence a sorted
 * set by time. Changes that touch several keys are Lua scripts. Every change of users, groups,
 * tokens or keys also bumps one version key in the same atomic step (a script or a MULTI), so a
 * node may cache principals and check them with one GET per request (`version`).
 */
export class RedisAccessStore implements AccessStore {
  /**
   * Counts this node's connections to Redis. A Redis restarted without its data (or failed over to
   * a replica behind it) starts the version again from nothing and could reach a number a node has
   * cached under with other records; it cannot do so without breaking the connection, so the
   * version also carries how often this node connected.
   */
  private connections = 0;
  /** This turn's version read, shared by the requests that ask before it is sent (see `version`). */
  private turnVersion: Promise<number> | null = null;

  constructor(private readonly redis: Redis, private readonly keys: Keys, private readonly scripts: Record<ScriptName, ScriptCall>) {
    redis.on('ready', () => { this.connections++; });
  }

  /**
   * See `AccessStore.version`: one GET, which auto-pipelining sends with the turn's other commands,
   * combined with the connection count (above). Every request that asks during one event-loop
   * turn shares that turn's GET: it is sent at the end of the turn (ioredis's `setImmediate`), after
   * each of them arrived, so each still sees every change made before it arrived — one command
   * per turn instead of one per request.
   */
  version(): Promise<number> {
    if (this.turnVersion) return this.turnVersion;
    const read = new Promise<number>((resolve, reject) => setImmediate(() => {
      // From here on, a request gets the next turn's read.
      this.turnVersion = null;
      const connections = this.connections;
      guarded(() => this.redis.get(this.keys.accessVersion)).then((v) => resolve(connections * 2 ** 32 + Number(v)), reject);
    }));
    this.turnVersion = read;
    return read;
  }

  createUser(user: Omit<UserRecord, 'id'>): Promise<UserRecord> {
    return guarded(async () => {
      const record = { ...user, id: await this.redis.incr(this.keys.nextUser) };
      await this.changing((tx) => tx.hset(this.keys.users, String(record.id), JSON.stringify(record)));
      return record;
    });
  }

  getUser(id: number): Promise<UserRecord | undefined> {
    return guarded(async () => {
      const json = await this.redis.hget(this.keys.users, String(id));
      return json === null ? undefined : parse<UserRecord>(json);
    });
  }

  listUsers(): Promise<UserRecord[]> {
    return guarded(async () => values<UserRecord>(await this.redis.hgetall(this.keys.users)).sort((a, b) => a.id - b.id));
  }

  deleteUser(id: number): Promise<boolean> {
    return guarded(async () => Number(await this.scripts['delete-user'](this.keys.prefix, id)) === 1);
  }

  createGroup(group: GroupRecord): Promise<boolean> {
    return guarded(async () => (await this.changing((tx) => tx.hsetnx(this.keys.groups, group.id, JSON.stringify(group)))) === 1);
  }

  listGroups(): Promise<GroupRecord[]> {
    return guarded(async () => values<GroupRecord>(await this.redis.hgetall(this.keys.groups)).sort(byCreation((g) => g.id)));
  }

  deleteGroup(id: string): Promise<boolean> {
    return guarded(async () => (await this.changing((tx) => tx.hdel(this.keys.groups, id))) === 1);
  }

  createToken(token: TokenRecord): Promise<boolean> {
    return guarded(async () => Number(await this.scripts['create-token'](this.keys.prefix, token.id, token.hash, JSON.stringify(token))) === 1);
  }

  tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    return guarded(async () => {
      const json = await this.redis.hget(this.keys.tokenHashes, hash);
      return json === null ? undefined : parse<TokenRecord>(json);
    });
  }

  listTokens(): Promise<TokenRecord[]> {
    return guarded(async () => values<TokenRecord>(await this.redis.hgetall(this.keys.tokens)).sort(byCreation((t) => t.id)));
  }

  deleteToken(id: string): Promise<boolean> {
    return guarded(async () => Number(await this.scripts['delete-token'](this.keys.prefix, id)) === 1);
  }

  createKey(key: KeyRecord): Promise<void> {
    return guarded(async () => { await this.changing((tx) => tx.hset(this.keys.accessKeys, key.accessKey, JSON.stringify(key))); });
  }

  getKey(accessKey: string): Promise<KeyRecord | undefined> {
    return guarded(async () => {
      const json = await this.redis.hget(this.keys.accessKeys, accessKey);
      return json === null ? undefined : parse<KeyRecord>(json);
    });
  }

  listKeys(): Promise<KeyRecord[]> {
    return guarded(async () => values<KeyRecord>(await this.redis.hgetall(this.keys.accessKeys)).sort(byCreation((k) => k.accessKey)));
  }

  deleteKey(accessKey: string): Promise<boolean> {
    return guarded(async () => (await this.changing((tx) => tx.hdel(this.keys.accessKeys, accessKey))) === 1);
  }

  touchPresence(userId: number, seenAt: number): Promise<void> {
    // GT keeps the latest time when two nodes record the same user out of order.
    return guarded(async () => { await this.redis.call('ZADD', this.keys.presence, 'GT', seenAt, String(userId)); });
  }

  listPresence(): Promise<PresenceRecord[]> {
    return guarded(async () => {
      const flat = await this.redis.zrevrange(this.keys.presence, 0, -1, 'WITHSCORES');
      const out: PresenceRecord[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ userId: Number(flat[i]), seenAt: Number(flat[i + 1]) });
      return out;
    });
  }

  rememberSignature(hash: string, now: number, expiresAt: number): Promise<boolean> {
    return guarded(async () => Number(await this.scripts['remember-signature'](this.keys.prefix, hash, now, expiresAt)) === 1);
  }

  /** Runs one change and bumps the access version in the same MULTI; resolves the change's reply. */
  private async changing(change: (tx: ChainableCommander) => ChainableCommander): Promise<unknown> {
    const replies = await change(this.redis.multi()).incr(this.keys.accessVersion).exec();
    const [error, reply] = replies?.[0] ?? [new Error('access change transaction aborted'), null];
    if (error) throw error;
    return reply;
  }
}
