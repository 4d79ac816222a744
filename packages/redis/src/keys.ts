/**
 * Every Redis key the adapter uses, under one prefix, so several installations (or test runs)
 * share one Redis without meeting. The Lua scripts build the same names from the prefix.
 */
export class Keys {
  constructor(readonly prefix: string) {}
  activity(id: string): string { return `${this.prefix}a:${id}`; }
  get seq(): string { return `${this.prefix}seq`; }
  get events(): string { return `${this.prefix}events`; }
  /** Every activity, as list keys (score 0, ordered by member). */
  get all(): string { return `${this.prefix}all`; }
  state(state: string): string { return `${this.prefix}state:${state}`; }
  parent(id: string): string { return `${this.prefix}parent:${id}`; }
  /** Running remote activities, scored by a lower bound of their lease expiry (see `leaseToIndex`). */
  get lease(): string { return `${this.prefix}lease`; }
  /** Ended activity ids, scored by when they ended (retention, and lists of recent ends). */
  get ended(): string { return `${this.prefix}ended`; }
  /** Running remote activity ids (score 0, ordered by id). */
  get remote(): string { return `${this.prefix}remote`; }
  /** Nodes that have running in-process activities. */
  get runners(): string { return `${this.prefix}runners`; }
  inProcess(node: string): string { return `${this.prefix}inproc:${node}`; }
  node(node: string): string { return `${this.prefix}node:${node}`; }
  get changes(): string { return `${this.prefix}changes`; }
  get indexDocs(): string { return `${this.prefix}index:doc`; }
  get indexSeqs(): string { return `${this.prefix}index:seq`; }
  get indexWritten(): string { return `${this.prefix}index:written`; }
  get meta(): string { return `${this.prefix}meta`; }
  get users(): string { return `${this.prefix}users`; }
  get nextUser(): string { return `${this.prefix}users:next`; }
  get groups(): string { return `${this.prefix}groups`; }
  get tokens(): string { return `${this.prefix}tokens`; }
  /** Token records by their hash: authenticating is one HGET. */
  get tokenHashes(): string { return `${this.prefix}token-hashes`; }
  get accessKeys(): string { return `${this.prefix}keys`; }
  get presence(): string { return `${this.prefix}presence`; }
  /** Bumped with every change of users, groups, tokens or keys: what nodes cache principals by. */
  get accessVersion(): string { return `${this.prefix}access:version`; }
}

/**
 * The member of an activity in the list indexes: its `createdAt`, zero-padded, and its id. Members
 * of equal score sort by bytes, so a reverse range is exactly newest first (then id descending),
 * and a page cursor is an exclusive bound.
 */
export function listMember(a: { createdAt: number; id: string }): string {
  return `${String(a.createdAt).padStart(16, '0')}:${a.id}`;
}
