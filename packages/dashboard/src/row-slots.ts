/**
 * Which row element of the list draws which activity: the list's rows are keyed by slot, not by
 * activity id, so a row that leaves the view hands its element to one that enters, which the page
 * then only patches (texts, attributes) instead of building a new one. Keyed by id, a frame whose
 * rows were all new (1,000 activities starting at once, each the newest; a scroll jump) built and
 * threw away every row in view, ~300 elements: with styles and layout from scratch, the longest
 * task of the start of the running phase of bench/dashboard (issue 10).
 *
 * An activity still in view keeps its slot (its element, its focus, its bar's transition); a new one
 * takes a freed slot, in the order the freed rows stood, so a view of all-new rows moves no element
 * in the page. The slot of the focused row is never handed to another activity: a keyboard user's
 * focus must not silently land on a different activity.
 */
export class RowSlots {
  private slotOf = new Map<string, number>();
  /** The slots in the order their rows were shown last time. */
  private order: number[] = [];
  private next = 0;

  /**
   * Slots for `ids`, in display order. `focused`: the activity whose row holds focus, if any; when it
   * left the view its slot is dropped rather than handed on.
   */
  assign(ids: readonly string[], focused: string | null = null): number[] {
    const pinned = focused === null ? undefined : this.slotOf.get(focused);
    const staying = new Set<number>();
    for (const id of ids) {
      const slot = this.slotOf.get(id);
      if (slot !== undefined) staying.add(slot);
    }
    const freed = this.order.filter((slot) => !staying.has(slot) && slot !== pinned);
    let reused = 0;
    const slotOf = new Map<string, number>();
    const order = ids.map((id) => {
      const slot = this.slotOf.get(id) ?? freed[reused++] ?? this.next++;
      slotOf.set(id, slot);
      return slot;
    });
    this.slotOf = slotOf;
    this.order = order;
    return order;
  }
}
