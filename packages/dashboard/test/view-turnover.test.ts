// When the list parks the rows beyond the view: while the rows in view turn over on their own (a
// burst of new activities), for a short while after, and never once the person scrolls.
import { describe, expect, it } from 'vitest';
import { ViewTurnover } from '../src/view-turnover.js';

const ids = (from: number, count = 10) => Array.from({ length: count }, (_, i) => `a${from + i}`);

describe('ViewTurnover', () => {
  it('parks while most rows in view are new though the view did not move, and holds a quarter second after', () => {
    const view = new ViewTurnover();
    expect(view.park(0, ids(0), 0)).toBe(false); // the first frame: nothing to compare with
    expect(view.park(0, ids(3), 16)).toBe(false); // 3 new of 10: rows shift, most stay
    expect(view.park(0, ids(100), 33)).toBe(true); // all new: a burst
    expect(view.park(0, ids(101), 50)).toBe(true); // one new, but within the hold
    expect(view.park(0, ids(101), 282)).toBe(true);
    expect(view.park(0, ids(101), 283)).toBe(false); // settled for 250 ms
  });

  it('never parks once the view moves, even when every row in it is new (scrolling)', () => {
    const view = new ViewTurnover();
    view.park(0, ids(0), 0);
    expect(view.park(0, ids(50), 16)).toBe(true);
    expect(view.park(760, ids(60), 33)).toBe(false); // scrolled: the rows beyond are what comes in next
    expect(view.park(1520, ids(120), 50)).toBe(false); // a jump to all-new rows
    expect(view.park(1520, ids(121), 66)).toBe(false);
  });

  it('does not park for an empty view', () => {
    const view = new ViewTurnover();
    view.park(0, [], 0);
    expect(view.park(0, [], 16)).toBe(false);
  });
});
