import { createHash } from 'node:crypto';
import type { Principal } from './access/rules.js';

/**
 * The claim an `Idempotency-Key` makes (DESIGN 11): keys are per user, so two users never meet on
 * one, and the admin token and in-process work each count as a user of their own. The key is
 * hashed: its length and bytes never reach a store's key names.
 */
export function idempotencyClaim(key: string, who: Principal): string {
  const user = who.userId ?? (who.admin ? 'admin' : 'system');
  return `idempotency:${user}:${createHash('sha256').update(key).digest('base64url')}`;
}
