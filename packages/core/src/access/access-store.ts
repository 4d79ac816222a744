import type { Scope } from './rules.js';

/** A user: what activities and presence are owned by. */
export interface UserRecord {
  /** Positive integer (Plex's `userID`). */
  id: number;
  name: string;
  groups: string[];
  admin: boolean;
  createdAt: number;
}

/** A security group; every group but `root` has a parent. */
export interface GroupRecord {
  id: string;
  name: string;
  parentId: string | null;
  createdAt: number;
}

/** A bearer token; only its SHA-256 is kept. */
export interface TokenRecord {
  id: string;
  userId: number;
  scopes: Scope[];
  name: string | null;
  /** May report on behalf of users and update any activity it can see. */
  service: boolean;
  /** Hex SHA-256 of the token. */
  hash: string;
  createdAt: number;
}

/** An access key for signed requests; the secret is derived from the server key and `salt`, never stored. */
export interface KeyRecord {
  accessKey: string;
  userId: number;
  /** A service key acts for the user that `x-admiralcloud-identifier` names. */
  service: boolean;
  salt: string;
  createdAt: number;
}

/** When a user was last seen listing activities. */
export interface PresenceRecord {
  userId: number;
  seenAt: number;
}

/**
 * The persistence port of access management: users, groups, tokens, keys, presence, and the
 * signatures seen recently (replay protection). Rules — who may do what, how groups nest, how
 * secrets are made — live in `AccessService`, never here.
 */
export interface AccessStore {
  /** Stores a new user, assigning the next positive integer id. */
  createUser(user: Omit<UserRecord, 'id'>): Promise<UserRecord>;
  getUser(id: number): Promise<UserRecord | undefined>;
  listUsers(): Promise<UserRecord[]>;
  /** Deletes a user with its tokens, keys and presence; `false` if unknown. */
  deleteUser(id: number): Promise<boolean>;
  /** Stores a group; `false` if the id is taken. */
  createGroup(group: GroupRecord): Promise<boolean>;
  listGroups(): Promise<GroupRecord[]>;
  deleteGroup(id: string): Promise<boolean>;
  /**
   * Stores a token; `false` if a token with its id exists (nothing changes). Atomic, so of two
   * nodes starting at once only one creates the bootstrap admin token.
   */
  createToken(token: TokenRecord): Promise<boolean>;
  tokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(): Promise<TokenRecord[]>;
  deleteToken(id: string): Promise<boolean>;
  createKey(key: KeyRecord): Promise<void>;
  getKey(accessKey: string): Promise<KeyRecord | undefined>;
  listKeys(): Promise<KeyRecord[]>;
  deleteKey(accessKey: string): Promise<boolean>;
  touchPresence(userId: number, seenAt: number): Promise<void>;
  listPresence(): Promise<PresenceRecord[]>;
  /**
   * Remembers a signature until `expiresAt`; resolves `false` if it was already remembered and
   * has not expired (a replay). Atomic, so two nodes never both accept one signature.
   */
  rememberSignature(hash: string, now: number, expiresAt: number): Promise<boolean>;
  /**
   * A number that changes whenever a user, group, token or key changes — through this store or
   * through another process or node sharing it — read on every request. The access service
   * caches principals while it stays the same, so a revocation still applies to the next request.
   * A local store answers synchronously (memory; SQLite, which also notices other processes'
   * commits); a shared one (Redis) with a promise: one small read instead of the records'. Either
   * way the number must move in the same atomic step as the change (or after it, before the change
   * resolves), and records read after the version must be at least as new as it. Optional: a store
   * that cannot tell leaves it out, and nothing is cached. Presence and seen signatures do not
   * count as changes.
   */
  version?(): number | Promise<number>;
}
