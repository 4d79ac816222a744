import type { GroupRecord } from './access-store.js';

/** The id of the group that always exists, the default parent. */
export const ROOT_GROUP = 'root';

/** Each group's children, from a flat list. */
function childrenOf(groups: readonly GroupRecord[]): Map<string, string[]> {
  const children = new Map<string, string[]>();
  for (const g of groups) {
    if (g.parentId === null) continue;
    const list = children.get(g.parentId);
    if (list) list.push(g.id);
    else children.set(g.parentId, [g.id]);
  }
  return children;
}

/** `groups` and every group below them: what a member of `groups` may see. */
export function groupsAtOrBelow(groups: readonly string[], tree: readonly GroupRecord[]): string[] {
  const children = childrenOf(tree);
  const seen = new Set<string>();
  const stack = [...groups];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(children.get(id) ?? []));
  }
  return [...seen];
}
