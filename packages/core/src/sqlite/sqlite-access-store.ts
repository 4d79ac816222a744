import type { Database } from './driver.js';
import type { AccessStore, GroupRecord, KeyRecord, PresenceRecord, TokenRecord, UserRecord } from '../access/access-store.js';
import type { Scope } from '../access/rules.js';

interface UserRow { id: number; name: string; groups: string; admin: number; created_at: number }
interface GroupRow { id: string; name: string; parent_id: string | null; created_at: number }
interface TokenRow { id: string; user_id: number; scopes: string; name: string | null; service: number; hash: string; created_at: number }
interface KeyRow { access_key: string; user_id: number; service: number; salt: string; created_at: number }

const user = (r: UserRow): UserRecord => ({ id: r.id, name: r.name, groups: JSON.parse(r.groups) as string[], admin: r.admin === 1, createdAt: r.created_at });
const group = (r: GroupRow): GroupRecord => ({ id: r.id, name: r.name, parentId: r.parent_id, createdAt: r.created_at });
const token = (r: TokenRow): TokenRecord => ({
  id: r.id, userId: r.user_id, scopes: JSON.parse(r.scopes) as Scope[], name: r.name, service: r.service === 1, hash: r.hash, createdAt: r.created_at,
});
const key = (r: KeyRow): KeyRecord => ({ accessKey: r.access_key, userId: r.user_id, service: r.service === 1, salt: r.salt, createdAt: r.created_at });

/** Access records in the same SQLite file as the activities. */
export class SqliteAccessStore implements AccessStore {
  private prepared: { db: Database; sql: ReturnType<typeof prepare> } | null = null;

  private changes = 0;

  /**
   * `database` gives the open database, or throws while the store is closed; `otherWrites` counts
   * the commits other connections made to the file (the CLI managing access on the same data directory).
   */
  constructor(
    private readonly database: () => Database,
    private readonly otherWrites: () => number = () => 0,
  ) {}

  private otherWritesSeen = 0;

  /** Counts changes made here and commits seen from other connections; see `AccessStore.version`. */
  version(): number {
    const other = this.otherWrites();
    if (other !== this.otherWritesSeen) {
      this.otherWritesSeen = other;
      this.changes++;
    }
    return this.changes;
  }

  /** Counts a change of the records principals are built from. */
  private changed<T>(result: T): T {
    this.changes++;
    return result;
  }

  private get db(): Database {
    return this.database();
  }

  /** Statements, prepared once per opened database. */
  private get sql(): ReturnType<typeof prepare> {
    const db = this.database();
    if (this.prepared?.db !== db) this.prepared = { db, sql: prepare(db) };
    return this.prepared.sql;
  }


  async createUser(u: Omit<UserRecord, 'id'>): Promise<UserRecord> {
    const { lastInsertRowid } = this.changed(this.sql.insertUser.run(u.name, JSON.stringify(u.groups), u.admin ? 1 : 0, u.createdAt));
    return { ...u, id: Number(lastInsertRowid) };
  }
  async getUser(id: number) { const r = this.sql.getUser.get(id); return r ? user(r) : undefined; }
  async listUsers() { return this.sql.listUsers.all().map(user); }
  async deleteUser(id: number): Promise<boolean> {
    return this.changed(this.db.transaction(() => {
      this.sql.deleteUserTokens.run(id);
      this.sql.deleteUserKeys.run(id);
      this.sql.deleteUserPresence.run(id);
      return this.sql.deleteUser.run(id).changes > 0;
    })());
  }
  async createGroup(g: GroupRecord) { return this.changed(this.sql.insertGroup.run(g.id, g.name, g.parentId, g.createdAt).changes > 0); }
  async listGroups() { return this.sql.listGroups.all().map(group); }
  async deleteGroup(id: string) { return this.changed(this.sql.deleteGroup.run(id).changes > 0); }
  async createToken(t: TokenRecord) {
    return this.changed(this.sql.insertToken.run(t.id, t.userId, JSON.stringify(t.scopes), t.name, t.service ? 1 : 0, t.hash, t.createdAt).changes > 0);
  }
  async tokenByHash(hash: string) { const r = this.sql.tokenByHash.get(hash); return r ? token(r) : undefined; }
  async listTokens() { return this.sql.listTokens.all().map(token); }
  async deleteToken(id: string) { return this.changed(this.sql.deleteToken.run(id).changes > 0); }
  async createKey(k: KeyRecord) { this.changed(this.sql.insertKey.run(k.accessKey, k.userId, k.service ? 1 : 0, k.salt, k.createdAt)); }
  async getKey(accessKey: string) { const r = this.sql.getKey.get(accessKey); return r ? key(r) : undefined; }
  async listKeys() { return this.sql.listKeys.all().map(key); }
  async deleteKey(accessKey: string) { return this.changed(this.sql.deleteKey.run(accessKey).changes > 0); }
  async touchPresence(userId: number, seenAt: number) { this.sql.touch.run(userId, seenAt); }
  async listPresence(): Promise<PresenceRecord[]> { return this.sql.listPresence.all().map((r) => ({ userId: r.user_id, seenAt: r.seen_at })); }
  async rememberSignature(hash: string, now: number, expiresAt: number): Promise<boolean> {
    this.sql.forgetSignatures.run(now);
    return this.sql.rememberSignature.run(hash, expiresAt).changes > 0;
  }
}

function prepare(db: Database) {
  return {
    insertUser: db.prepare('INSERT INTO users (name, groups, admin, created_at) VALUES (?, ?, ?, ?)'),
    getUser: db.prepare<[number], UserRow>('SELECT * FROM users WHERE id = ?'),
    listUsers: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY id'),
    deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),
    deleteUserTokens: db.prepare('DELETE FROM tokens WHERE user_id = ?'),
    deleteUserKeys: db.prepare('DELETE FROM access_keys WHERE user_id = ?'),
    deleteUserPresence: db.prepare('DELETE FROM presence WHERE user_id = ?'),
    insertGroup: db.prepare('INSERT INTO groups (id, name, parent_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING'),
    listGroups: db.prepare<[], GroupRow>('SELECT * FROM groups ORDER BY created_at, id'),
    deleteGroup: db.prepare('DELETE FROM groups WHERE id = ?'),
    insertToken: db.prepare('INSERT INTO tokens (id, user_id, scopes, name, service, hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING'),
    tokenByHash: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE hash = ?'),
    listTokens: db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY created_at, id'),
    deleteToken: db.prepare('DELETE FROM tokens WHERE id = ?'),
    insertKey: db.prepare('INSERT INTO access_keys (access_key, user_id, service, salt, created_at) VALUES (?, ?, ?, ?, ?)'),
    getKey: db.prepare<[string], KeyRow>('SELECT * FROM access_keys WHERE access_key = ?'),
    listKeys: db.prepare<[], KeyRow>('SELECT * FROM access_keys ORDER BY created_at, access_key'),
    deleteKey: db.prepare('DELETE FROM access_keys WHERE access_key = ?'),
    touch: db.prepare('INSERT INTO presence (user_id, seen_at) VALUES (?, ?) ON CONFLICT (user_id) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)'),
    listPresence: db.prepare<[], { user_id: number; seen_at: number }>('SELECT * FROM presence ORDER BY seen_at DESC'),
    forgetSignatures: db.prepare('DELETE FROM seen_signatures WHERE expires_at <= ?'),
    rememberSignature: db.prepare('INSERT INTO seen_signatures (hash, expires_at) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING'),
  };
}
