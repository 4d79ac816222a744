/**
 * One way to read a list parameter everywhere: repeated (`?state=a&state=b`), comma-separated
 * (`?state=a,b`), or both. Empty items are dropped; no items at all is "no filter".
 */
export function listParam(values: readonly string[] | string | undefined): string[] | undefined {
  if (values === undefined) return undefined;
  const items = (typeof values === 'string' ? [values] : values).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return items.length ? items : undefined;
}
