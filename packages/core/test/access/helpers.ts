import fc from 'fast-check';
import type { Scope } from '../../src/index.js';

/**
 * Random access worlds for the visibility property tests, and the visibility rule computed
 * independently of `src` (walking *up* the generated tree from an activity's groups, where the
 * implementation expands a user's groups *down* the tree).
 */

export const ALL_SCOPES: readonly Scope[] = ['read', 'report', 'cancel', 'admin'];
export type EndAs = 'running' | 'completed' | 'failed' | 'cancelled';

export interface WorldGroup { id: string; parent: string }
export interface WorldUser { name: string; groups: string[]; admin: boolean }
/** `user` is an index into `users`. */
export interface WorldToken { user: number; scopes: Scope[]; service: boolean }
/** `owner` is an index into `users`, or null. */
export interface WorldActivity { owner: number | null; groups: string[]; end: EndAs; cancellable: boolean }
export interface World { groups: WorldGroup[]; users: WorldUser[]; tokens: WorldToken[]; activities: WorldActivity[] }

/** Root plus up to `maxGroups` groups, each with a random parent among those made before it. */
const groupTree = (maxGroups: number) => fc.array(fc.nat(), { maxLength: maxGroups }).map((picks) =>
  picks.map((n, i): WorldGroup => {
    const k = n % (i + 1);
    return { id: `g${i}`, parent: k === 0 ? 'root' : `g${k - 1}` };
  }));

export function worldArbitrary(limits = { groups: 6, users: 5, tokens: 6, activities: 8 }): fc.Arbitrary<World> {
  return groupTree(limits.groups).chain((groups) => {
    const ids = ['root', ...groups.map((g) => g.id)];
    const user = fc.record({
      name: fc.constantFrom('ann', 'bob', 'cem', 'dee', 'eli'),
      groups: fc.subarray(ids),
      admin: fc.nat({ max: 3 }).map((n) => n === 0), // about a quarter admins
    });
    return fc.array(user, { minLength: 1, maxLength: limits.users }).chain((users) => fc.record({
      groups: fc.constant(groups),
      users: fc.constant(users),
      tokens: fc.array(fc.record({
        user: fc.nat({ max: users.length - 1 }),
        scopes: fc.subarray([...ALL_SCOPES], { minLength: 1 }),
        service: fc.boolean(),
      }), { minLength: 1, maxLength: limits.tokens }),
      activities: fc.array(fc.record({
        owner: fc.option(fc.nat({ max: users.length - 1 }), { freq: 3 }),
        groups: fc.subarray(ids),
        end: fc.constantFrom<EndAs>('running', 'completed', 'failed', 'cancelled'),
        cancellable: fc.boolean(),
      }).map((a) => (a.end === 'cancelled' ? { ...a, cancellable: true } : a)), { maxLength: limits.activities }),
    }));
  });
}

/** What the test expects a token to amount to: admin only for an admin user with the `admin` scope. */
export interface Expected {
  userId: number;
  admin: boolean;
  service: boolean;
  groups: readonly string[];
  has(scope: Scope): boolean;
}

export function expectedPrincipal(user: WorldUser, userId: number, token: WorldToken): Expected {
  const admin = user.admin && token.scopes.includes('admin');
  return {
    userId, admin, service: token.service, groups: user.groups,
    has: (scope) => admin || (scope !== 'admin' && token.scopes.includes(scope)),
  };
}

/** `group` and every group above it, walking parent links of the generated tree. */
export function upwards(group: string, tree: readonly WorldGroup[]): string[] {
  const parent = new Map(tree.map((g) => [g.id, g.parent]));
  const out: string[] = [];
  for (let g: string | undefined = group; g !== undefined && !out.includes(g); g = parent.get(g)) out.push(g);
  return out;
}

/** The rule: admins all; otherwise owned, or shared with a group equal to or below one of the user's. */
export function expectVisible(p: Expected, item: { owner: number | null; groups: readonly string[] }, tree: readonly WorldGroup[]): boolean {
  if (p.admin) return true;
  if (item.owner !== null && item.owner === p.userId) return true;
  return item.groups.some((g) => upwards(g, tree).some((up) => p.groups.includes(up)));
}

/** Resolves to the error code a call rejects with, or `'ok'`. */
export async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return 'ok';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code !== 'string') throw error;
    return code;
  }
}
