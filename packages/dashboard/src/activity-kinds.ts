/**
 * The types and owners among the activities the page holds, counted as activities come and go, so
 * the filter bar's option lists cost nothing per event: they were recomputed over every activity in
 * every frame in which one appeared (1,000 starting at once, 10,000 ending; issue 10), though they
 * change only when the first activity of a type or owner arrives or the last one leaves.
 */
export class ActivityKinds {
  private readonly types = new Map<string, number>();
  private readonly owners = new Map<number | null, number>();
  /** Whether a type or owner appeared or vanished since {@link takeChanged} was last called. */
  private changed = false;

  add(activity: { type: string; owner: number | null }): void {
    this.changed = bump(this.types, activity.type, 1) || this.changed;
    this.changed = bump(this.owners, activity.owner, 1) || this.changed;
  }

  remove(activity: { type: string; owner: number | null }): void {
    this.changed = bump(this.types, activity.type, -1) || this.changed;
    this.changed = bump(this.owners, activity.owner, -1) || this.changed;
  }

  /** Says whether the lists changed, and starts afresh. */
  takeChanged(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  /** The types present, sorted. */
  typeList(): string[] {
    return [...this.types.keys()].sort();
  }

  /** The owners present (`null`: work with no user). */
  ownerList(): Array<number | null> {
    return [...this.owners.keys()];
  }
}

/** Adds `by` to `key`'s count, dropping it at zero; says whether `key` appeared or vanished. */
function bump<K>(counts: Map<K, number>, key: K, by: number): boolean {
  const count = (counts.get(key) ?? 0) + by;
  if (count > 0) counts.set(key, count);
  else counts.delete(key);
  return count === 0 || count === by;
}
