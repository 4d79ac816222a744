/** How long ago, in a few characters: `12 s`, `3 min`, `2 h`, `4 d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
}

/** Time left: `~40 s left`, `~3 min left`; empty when unknown. */
export function formatEta(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '';
  return `~${formatAge(ms)} left`;
}

/** A rate in percent per second, or per minute when slow; empty when unknown. */
export function formatRate(perSecond: number | null): string {
  if (perSecond === null || perSecond <= 0) return '';
  return perSecond >= 0.1 ? `${perSecond.toFixed(perSecond >= 10 ? 0 : 1)} %/s` : `${(perSecond * 60).toFixed(1)} %/min`;
}

/** A wall-clock time of day, for timelines. */
export function formatTime(at: number): string {
  return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
