const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Reads `90s`, `24h`, `500ms`, `1.5m` or a bare number of milliseconds; throws on anything else. */
export function parseDuration(text: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new Error(`${name}: '${text}' is not a duration (try 90s, 24h, 500ms)`);
  const ms = Number(match[1]) * UNITS[match[2] ?? 'ms']!;
  if (!(ms > 0)) throw new Error(`${name} must be more than zero`);
  return Math.round(ms);
}
