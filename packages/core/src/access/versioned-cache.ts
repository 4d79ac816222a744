/**
 * A cache that empties itself whenever the access records change: `version` is the access
 * store's change counter (see `AccessStore.version`), read locally (memory, SQLite) or asked of a
 * shared server (Redis). Without one, it caches nothing.
 *
 * Read the version with `current` before reading the records a value is built from, look up and
 * `set` with that version. An entry is only ever served to a caller whose own version read matched
 * the version it was built under, and it was built from records read after that read, so a change
 * made before the caller's read (a revocation on another node included) is never hidden by it.
 */
export class VersionedCache<V> {
  private readonly entries = new Map<string, V>();
  private seen: number | undefined;

  constructor(
    private readonly version: (() => number | Promise<number>) | undefined,
    /** At most this many entries; past it the cache starts again empty. */
    private readonly max = 10_000,
  ) {}

  /**
   * The version now, to pass to `get` and `set` (a promise when the store must ask a server);
   * `undefined` when nothing is cached. A version other than the last one seen empties the cache.
   */
  current(): number | undefined | Promise<number> {
    const version = this.version?.();
    return typeof version === 'object' ? version.then((v) => this.observe(v)) : this.observe(version);
  }

  get(key: string, version: number | undefined): V | undefined {
    return version === undefined || version !== this.seen ? undefined : this.entries.get(key);
  }

  /** Keeps `value` built under `version`, unless a newer version has been seen meanwhile. */
  set(key: string, value: V, version: number | undefined): void {
    if (version === undefined || version !== this.seen) return;
    if (this.entries.size >= this.max) this.entries.clear();
    this.entries.set(key, value);
  }

  private observe<T extends number | undefined>(version: T): T {
    if (version !== this.seen) {
      this.entries.clear();
      this.seen = version;
    }
    return version;
  }
}
