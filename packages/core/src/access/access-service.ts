import { randomBytes } from 'node:crypto';
import { NotFoundError, RateLimitedError, UnauthenticatedError, ValidationError } from '@activityd/protocol/errors';
import type { Clock } from '../clock.js';
import type { AccessStore, GroupRecord, KeyRecord, TokenRecord, UserRecord } from './access-store.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { groupsAtOrBelow, ROOT_GROUP } from './group-tree.js';
import { canSee, requireScope, type Principal, type Scope } from './rules.js';
import { accessSecretOf, newAccessKey, newId, newToken, sameDigest, tokenHash } from './secrets.js';
import { acSignature, withIntegers, type SignedHeaders, type SignedRequest } from './signature.js';
import { VersionedCache } from './versioned-cache.js';

/** Every scope, and those a token gets when none are named. */
export const SCOPES: readonly Scope[] = ['read', 'report', 'cancel', 'admin'];
export const DEFAULT_SCOPES: readonly Scope[] = ['read', 'report', 'cancel'];

/** How far a signed request's timestamp may be from the server's clock (seconds). */
const SKEW_S = 10;
/** Presence is written at most this often per user. */
const PRESENCE_EVERY_MS = 5_000;
const BOOTSTRAP_TOKEN = 'tok_bootstrap';

/** What a caller presents. */
export interface Credentials {
  token?: string;
  signed?: { headers: SignedHeaders; request: SignedRequest };
  /** The caller's address, for the failed-authentication limit. */
  address?: string;
}

/** Options of {@link AccessService}. */
export interface AccessOptions {
  store: AccessStore;
  clock: Clock;
  /** Derives access secrets; keep it stable, or every access secret changes. Default: random per process. */
  serverKey?: Buffer;
}

/**
 * Access management and authentication: users, the group tree, tokens, access keys, signed
 * requests and presence. Which activity a principal may see or change is decided by the rules in
 * `rules.ts`; this turns credentials into principals and keeps the records those rules rely on.
 */
export class AccessService {
  private readonly store: AccessStore;
  private readonly clock: Clock;
  private readonly serverKey: Buffer;
  private readonly limiter = new FailedAuthLimiter();
  private readonly lastSeen = new Map<number, number>();
  /** Principals by token (`t:`) and by signing user (`u:`), valid while the access records stay the same. */
  private readonly principals: VersionedCache<Principal>;
  /** Access keys with their derived secrets, likewise. */
  private readonly keys: VersionedCache<{ key: KeyRecord; secret: string }>;

  constructor(options: AccessOptions) {
    this.store = options.store;
    const version = options.store.version?.bind(options.store);
    this.principals = new VersionedCache(version);
    this.keys = new VersionedCache(version);
    this.clock = options.clock;
    this.serverKey = options.serverKey ?? randomBytes(32);
  }

  /**
   * Makes sure the root group and an admin user exist. With `explicit`, that token is the admin
   * token; otherwise, on first start, one is created and returned (to be shown once).
   */
  async bootstrap(explicit?: string): Promise<{ created: string | undefined }> {
    const admin = await this.ensureAdmin();
    const existing = (await this.store.listTokens()).find((t) => t.id === BOOTSTRAP_TOKEN);
    if (explicit !== undefined) {
      if (existing?.hash === tokenHash(explicit)) return { created: undefined };
      if (existing) await this.store.deleteToken(BOOTSTRAP_TOKEN);
      await this.store.createToken(this.tokenRecord(BOOTSTRAP_TOKEN, admin.id, [...SCOPES], 'admin', true, explicit));
      return { created: undefined };
    }
    if (existing) return { created: undefined };
    const token = newToken();
    // Nodes sharing a store may start at once: only the one whose token was stored prints it.
    const stored = await this.store.createToken(this.tokenRecord(BOOTSTRAP_TOKEN, admin.id, [...SCOPES], 'admin', true, token));
    return { created: stored ? token : undefined };
  }

  /** Makes sure the root group and an admin user exist; resolves to the first admin. */
  async ensureAdmin(): Promise<UserRecord> {
    await this.store.createGroup({ id: ROOT_GROUP, name: 'root', parentId: null, createdAt: this.clock.now() });
    const firstAdmin = async () => (await this.store.listUsers()).filter((u) => u.admin).sort((a, b) => a.id - b.id)[0];
    const existing = await firstAdmin();
    if (existing) return existing;
    const mine = await this.store.createUser({ name: 'admin', groups: [ROOT_GROUP], admin: true, createdAt: this.clock.now() });
    // Another node starting at the same moment may have created one too: the lowest id wins everywhere.
    const first = (await firstAdmin()) ?? mine;
    if (first.id !== mine.id) await this.store.deleteUser(mine.id);
    return first;
  }

  /** Replaces the bootstrap admin token and returns the new one. */
  async resetAdminToken(): Promise<string> {
    await this.store.deleteToken(BOOTSTRAP_TOKEN);
    const { created } = await this.bootstrap();
    return created!;
  }

  /** Turns credentials into a principal; a coded 401 (or 429 after repeated failures) otherwise. */
  async authenticate(credentials: Credentials): Promise<Principal> {
    try {
      if (credentials.token !== undefined) return await this.byToken(credentials.token);
      if (credentials.signed) return await this.bySignature(credentials.signed.headers, credentials.signed.request);
      throw new UnauthenticatedError('missing credentials: send Authorization: Bearer <token>');
    } catch (error) {
      if (error instanceof UnauthenticatedError && credentials.address !== undefined) {
        const wait = this.limiter.fail(credentials.address, this.clock.now());
        if (wait > 0) throw new RateLimitedError('too many failed authentications; try again later', { retryAfter: wait });
      }
      throw error;
    }
  }

  /** Records that a principal listed activities (at most every few seconds per user). */
  async seen(who: Principal): Promise<void> {
    if (who.userId === null) return;
    const now = this.clock.now();
    if (now - (this.lastSeen.get(who.userId) ?? -Infinity) < PRESENCE_EVERY_MS) return;
    this.lastSeen.set(who.userId, now);
    await this.store.touchPresence(who.userId, now);
  }

  /** Users seen, newest first: all of them for an admin, those the visibility rule allows otherwise. */
  async presence(who: Principal): Promise<Array<{ userId: number; name: string; seenAt: number }>> {
    requireScope(who, 'read');
    const users = new Map((await this.store.listUsers()).map((u) => [u.id, u]));
    return (await this.store.listPresence())
      .flatMap((p) => {
        const user = users.get(p.userId);
        return user && canSee(who, { owner: user.id, groups: user.groups }) ? [{ userId: user.id, name: user.name, seenAt: p.seenAt }] : [];
      })
      .sort((a, b) => b.seenAt - a.seenAt);
  }

  // ---- management (admin scope) ----

  async createGroup(who: Principal, input: { id?: string; name: string; parentId?: string }): Promise<GroupRecord> {
    requireScope(who, 'admin');
    const groups = await this.store.listGroups();
    const parentId = input.parentId ?? ROOT_GROUP;
    if (!groups.some((g) => g.id === parentId)) throw new ValidationError(`parent group '${parentId}' does not exist`, { parentId });
    const id = input.id ?? uniqueSlug(input.name, new Set(groups.map((g) => g.id)));
    const group = { id, name: input.name, parentId, createdAt: this.clock.now() };
    if (!(await this.store.createGroup(group))) throw new ValidationError(`group '${id}' already exists`, { id });
    return group;
  }

  async listGroups(who: Principal): Promise<GroupRecord[]> {
    requireScope(who, 'admin');
    return this.store.listGroups();
  }

  async deleteGroup(who: Principal, id: string): Promise<void> {
    requireScope(who, 'admin');
    if (id === ROOT_GROUP) throw new ValidationError('the root group cannot be deleted');
    const groups = await this.store.listGroups();
    if (groups.some((g) => g.parentId === id)) throw new ValidationError(`group '${id}' has groups below it; delete those first`, { id });
    if (!(await this.store.deleteGroup(id))) throw new NotFoundError(`group '${id}' not found`, { id });
  }

  async createUser(who: Principal, input: { name: string; groups: string[]; admin?: boolean }): Promise<UserRecord> {
    requireScope(who, 'admin');
    await this.requireGroups(input.groups);
    return this.store.createUser({ name: input.name, groups: [...new Set(input.groups)], admin: input.admin ?? false, createdAt: this.clock.now() });
  }

  async listUsers(who: Principal): Promise<UserRecord[]> {
    requireScope(who, 'admin');
    return this.store.listUsers();
  }

  /** Deletes a user with its tokens and keys. */
  async deleteUser(who: Principal, id: number): Promise<void> {
    requireScope(who, 'admin');
    if (!(await this.store.deleteUser(id))) throw new NotFoundError(`user ${id} not found`, { id });
  }

  /** Creates a token; the token itself is in the reply this once. */
  async createToken(who: Principal, input: { userId: number; scopes?: Scope[]; name?: string; service?: boolean }): Promise<{ id: string; token: string; userId: number; scopes: Scope[] }> {
    requireScope(who, 'admin');
    await this.requireUser(input.userId);
    const scopes = [...new Set(input.scopes ?? DEFAULT_SCOPES)];
    const token = newToken();
    const record = this.tokenRecord(newId('tok'), input.userId, scopes, input.name ?? null, input.service ?? false, token);
    await this.store.createToken(record);
    return { id: record.id, token, userId: record.userId, scopes };
  }

  /** Tokens without their hashes. */
  async listTokens(who: Principal): Promise<Array<Omit<TokenRecord, 'hash'>>> {
    requireScope(who, 'admin');
    return (await this.store.listTokens()).map(({ hash: _hash, ...t }) => t);
  }

  async deleteToken(who: Principal, id: string): Promise<void> {
    requireScope(who, 'admin');
    if (!(await this.store.deleteToken(id))) throw new NotFoundError(`token '${id}' not found`, { id });
  }

  /** Creates an access key for signed requests; the secret is in the reply this once. */
  async createKey(who: Principal, input: { userId: number; service?: boolean }): Promise<{ accessKey: string; accessSecret: string; userId: number }> {
    requireScope(who, 'admin');
    await this.requireUser(input.userId);
    const record: KeyRecord = { accessKey: newAccessKey(), userId: input.userId, service: input.service ?? false, salt: randomBytes(16).toString('hex'), createdAt: this.clock.now() };
    await this.store.createKey(record);
    return { accessKey: record.accessKey, accessSecret: accessSecretOf(this.serverKey, record.accessKey, record.salt), userId: record.userId };
  }

  /** Keys without salts. */
  async listKeys(who: Principal): Promise<Array<Omit<KeyRecord, 'salt'>>> {
    requireScope(who, 'admin');
    return (await this.store.listKeys()).map(({ salt: _salt, ...k }) => k);
  }

  async deleteKey(who: Principal, accessKey: string): Promise<void> {
    requireScope(who, 'admin');
    if (!(await this.store.deleteKey(accessKey))) throw new NotFoundError(`key '${accessKey}' not found`, { accessKey });
  }

  /** The groups of a user, for activities created on its behalf; `undefined` if unknown. */
  async groupsOf(userId: number): Promise<string[] | undefined> {
    return (await this.store.getUser(userId))?.groups;
  }

  // ---- internals ----

  private tokenRecord(id: string, userId: number, scopes: Scope[], name: string | null, service: boolean, token: string): TokenRecord {
    return { id, userId, scopes, name, service, hash: tokenHash(token), createdAt: this.clock.now() };
  }

  private async byToken(token: string): Promise<Principal> {
    // Keyed by the token itself, in memory only, so a hit costs no SHA-256; the store sees only the hash.
    const principal = token ? await cached(this.principals, `t:${token}`, async () => {
      const record = await this.store.tokenByHash(tokenHash(token));
      // The user and the group tree together: one round trip to a shared store, not two.
      const [user, groups] = record ? await Promise.all([this.store.getUser(record.userId), this.store.listGroups()]) : [];
      return record && user && this.principal(user, record.scopes, record.service, user.admin && record.scopes.includes('admin'), groups);
    }) : undefined;
    if (!principal) throw new UnauthenticatedError('invalid or revoked token');
    return principal;
  }

  private async bySignature(headers: SignedHeaders, request: SignedRequest): Promise<Principal> {
    if (!headers.hash) throw signatureError('acsignature_hashMissing');
    const rts = Number(headers.rts);
    if (!Number.isFinite(rts) || Math.abs(this.clock.now() / 1000 - rts) > SKEW_S) throw signatureError('acsignature_rtsDeviation');
    const found = await cached(this.keys, headers.accessKey, async () => {
      const key = await this.store.getKey(headers.accessKey);
      return key && { key, secret: accessSecretOf(this.serverKey, key.accessKey, key.salt) };
    });
    const version = headers.version === undefined ? 1 : Number(headers.version);
    if (!found || ![1, 2, 3, 4, 5].includes(version)) throw signatureError('acsignature_hashMismatch');
    const { key, secret } = found;
    const matches = [request.payload, withIntegers(request.payload)].some((payload) => {
      const expected = acSignature(secret, version, headers.rts!, headers.identifier, { ...request, payload });
      return expected !== undefined && sameDigest(expected, headers.hash!);
    });
    if (!matches) throw signatureError('acsignature_hashMismatch');
    if (request.method === 'POST' || request.method === 'DELETE') {
      const now = this.clock.now();
      if (!(await this.store.rememberSignature(headers.hash, now, now + 2 * SKEW_S * 1000))) throw signatureError('acsignature_replayed');
    }
    const onBehalf = key.service && headers.identifier !== undefined;
    const userId = !onBehalf ? key.userId : /^\d{1,15}$/.test(headers.identifier!) ? Number(headers.identifier) : undefined;
    const principal = userId === undefined ? undefined : await cached(this.principals, `u:${userId}`, async () => {
      const user = await this.store.getUser(userId);
      return user && this.principal(user, [...DEFAULT_SCOPES], false, false);
    });
    if (!principal) throw signatureError('acsignature_hashMismatch');
    return principal;
  }

  private async principal(user: UserRecord, scopes: Scope[], service: boolean, admin: boolean, groups?: GroupRecord[]): Promise<Principal> {
    // Frozen: one cached principal serves many requests.
    return Object.freeze({
      userId: user.id,
      admin,
      scopes: admin ? scopes : scopes.filter((s) => s !== 'admin'),
      groups: user.groups,
      visibleGroups: groupsAtOrBelow(user.groups, groups ?? (await this.store.listGroups())),
      service,
    });
  }

  private async requireUser(id: number): Promise<UserRecord> {
    const user = await this.store.getUser(id);
    if (!user) throw new ValidationError(`user ${id} does not exist`, { userId: id });
    return user;
  }

  private async requireGroups(ids: readonly string[]): Promise<void> {
    const known = new Set((await this.store.listGroups()).map((g) => g.id));
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length) throw new ValidationError(`unknown groups: ${unknown.join(', ')}`, { groups: unknown });
  }
}

/** The cached value, or builds it; a value built while the records changed is not kept. */
async function cached<V>(cache: VersionedCache<V>, key: string, build: () => Promise<V | undefined>): Promise<V | undefined> {
  const read = cache.current();
  // A shared store answers with a promise (one small read); a local one costs no extra turn.
  const version = typeof read === 'object' ? await read : read;
  const hit = cache.get(key, version);
  if (hit !== undefined) return hit;
  const value = await build();
  if (value !== undefined) cache.set(key, value, version);
  return value;
}

function signatureError(message: string): UnauthenticatedError {
  return new UnauthenticatedError(message, { reason: message });
}

function uniqueSlug(name: string, taken: ReadonlySet<string>): string {
  const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48) || 'group';
  let id = base;
  for (let i = 2; taken.has(id); i++) id = `${base}-${i}`;
  return id;
}

