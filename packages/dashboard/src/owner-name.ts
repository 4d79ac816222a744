/** How an owner reads on the page: its name when known, else its id; `system` for work with no user. */
export function ownerName(owner: number | null, names: ReadonlyMap<number, string>): string {
  if (owner === null) return 'system';
  return names.get(owner) ?? `user ${owner}`;
}
