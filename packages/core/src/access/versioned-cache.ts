/**
 * A cache that empties itself whenever the access records change: `version` is the access
 * store's change counter (see `AccessStore.version`). Without one, it caches nothing.
 *
 * Read the version before reading the records a value is built from, and `set` with that
 * version: a change made meanwhile then leaves the value out, so a revoked token is never
 * cached as valid.
 */
export class VersionedCache<V> {
  private readonly entries = new Map<string, V>();
  private seen: number | undefined;

  constructor(
    private readonly version: (() => number) | undefined,
    /** At most this many entries; past it the cache starts again empty. */
    private readonly max = 10_000,
  ) {}

  /** The version now, to pass to `set`; `undefined` when nothing is cached. */
  current(): number | undefined {
    const version = this.version?.();
    if (version !== this.seen) {
      this.entries.clear();
      this.seen = version;
    }
    return version;
  }

  get(key: string): V | undefined {
    return this.current() === undefined ? undefined : this.entries.get(key);
  }

  /** Keeps `value` if the records have not changed since `version` was read. */
  set(key: string, value: V, version: number | undefined): void {
    if (version === undefined || this.current() !== version) return;
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, value);
  }
}
