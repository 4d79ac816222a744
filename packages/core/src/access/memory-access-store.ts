import type { AccessStore, GroupRecord, KeyRecord, PresenceRecord, TokenRecord, UserRecord } from './access-store.js';

/** Access records in process memory. */
export class MemoryAccessStore implements AccessStore {
  private readonly users = new Map<number, UserRecord>();
  private readonly groups = new Map<string, GroupRecord>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly keys = new Map<string, KeyRecord>();
  private readonly presence = new Map<number, number>();
  private readonly signatures = new Map<string, number>();
  private nextUserId = 1;
  private changes = 0;

  version(): number {
    return this.changes;
  }

  async createUser(user: Omit<UserRecord, 'id'>): Promise<UserRecord> {
    this.changes++;
    const record = { ...user, id: this.nextUserId++ };
    this.users.set(record.id, record);
    return record;
  }
  async getUser(id: number) { return this.users.get(id); }
  async listUsers() { return [...this.users.values()]; }
  async deleteUser(id: number): Promise<boolean> {
    this.changes++;
    for (const [tid, t] of this.tokens) if (t.userId === id) this.tokens.delete(tid);
    for (const [k, key] of this.keys) if (key.userId === id) this.keys.delete(k);
    this.presence.delete(id);
    return this.users.delete(id);
  }
  async createGroup(group: GroupRecord): Promise<boolean> {
    if (this.groups.has(group.id)) return false;
    this.changes++;
    this.groups.set(group.id, group);
    return true;
  }
  async listGroups() { return [...this.groups.values()]; }
  async deleteGroup(id: string) { this.changes++; return this.groups.delete(id); }
  async createToken(token: TokenRecord) {
    if (this.tokens.has(token.id)) return false;
    this.changes++;
    this.tokens.set(token.id, token);
    return true;
  }
  async tokenByHash(hash: string) {
    for (const t of this.tokens.values()) if (t.hash === hash) return t;
    return undefined;
  }
  async listTokens() { return [...this.tokens.values()]; }
  async deleteToken(id: string) { this.changes++; return this.tokens.delete(id); }
  async createKey(key: KeyRecord) { this.changes++; this.keys.set(key.accessKey, key); }
  async getKey(accessKey: string) { return this.keys.get(accessKey); }
  async listKeys() { return [...this.keys.values()]; }
  async deleteKey(accessKey: string) { this.changes++; return this.keys.delete(accessKey); }
  async touchPresence(userId: number, seenAt: number) { this.presence.set(userId, Math.max(seenAt, this.presence.get(userId) ?? 0)); }
  async listPresence(): Promise<PresenceRecord[]> { return [...this.presence].map(([userId, seenAt]) => ({ userId, seenAt })); }
  async rememberSignature(hash: string, now: number, expiresAt: number): Promise<boolean> {
    for (const [h, until] of this.signatures) if (until <= now) this.signatures.delete(h);
    if (this.signatures.has(hash)) return false;
    this.signatures.set(hash, expiresAt);
    return true;
  }
}
