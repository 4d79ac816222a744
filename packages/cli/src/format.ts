import type { Activity } from '@activityd/client';

/** `42 s`, `3 min`, `2 h`: how long ago or how long left, for people. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** `40%`, or `…` while indeterminate. */
export function percent(progress: number | null): string {
  return progress === null ? '…' : `${Math.round(progress)}%`;
}

/** A fixed-width table of activities. */
export function activityTable(activities: readonly Activity[], now: number): string {
  if (activities.length === 0) return '(no activities)';
  const rows = activities.map((a) => [a.id, a.state, percent(a.progress), a.type, a.title + (a.subtitle ? ` — ${a.subtitle}` : ''), duration(now - a.createdAt)]);
  const head = ['ID', 'STATE', 'PROGRESS', 'TYPE', 'TITLE', 'AGE'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [head, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}
