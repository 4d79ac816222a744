import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ActivityStore, Principal } from '@activityd/core';
import { SYSTEM } from '@activityd/core';
import { UnauthenticatedError } from '@activityd/protocol/errors';

/** Turns a request's credentials into a principal, or throws `ACT_ERR_UNAUTHENTICATED`. */
export interface Authenticator {
  authenticate(credentials: Credentials): Promise<Principal>;
}

/** Where a caller's token was found; `token` is `undefined` when there is none. */
export interface Credentials {
  token: string | undefined;
}

const HASH_KEY = 'admin_token_sha256';

/** A new random token: `act_` and 32 random bytes. */
export function newToken(): string {
  return `act_${randomBytes(32).toString('base64url')}`;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Reads a token from, in order: `Authorization: Bearer`, the `X-Plex-Token` header, and the
 * `X-Plex-Token` or `token` query parameter (for EventSource and WebSocket clients that cannot set headers).
 */
export function credentialsOf(headers: Record<string, string | string[] | undefined>, query: unknown): Credentials {
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return { token: auth.slice(7).trim() || undefined };
  const plex = headers['x-plex-token'];
  if (typeof plex === 'string' && plex) return { token: plex };
  const q = (query ?? {}) as Record<string, unknown>;
  const fromQuery = q['X-Plex-Token'] ?? q.token;
  return { token: typeof fromQuery === 'string' && fromQuery ? fromQuery : undefined };
}

/** What {@link AdminTokenAuth.init} reports, so `serve` can print a new token once. */
export interface AdminTokenInit {
  /** The token, when it was created just now (and so is shown this once). */
  created: string | undefined;
}

/**
 * The admin token: one bearer token with every right. Its SHA-256 lives in the store; the token
 * itself is shown once, when created. Users, groups and scoped tokens extend this later.
 */
export class AdminTokenAuth implements Authenticator {
  private hash: Buffer | null = null;

  constructor(private readonly store: ActivityStore) {}

  /** Uses `explicit` if given, else the stored hash, else creates a token and stores its hash. */
  async init(explicit?: string): Promise<AdminTokenInit> {
    if (explicit) {
      this.hash = sha256(explicit);
      return { created: undefined };
    }
    const candidate = newToken();
    const stored = await this.store.setMetaOnce(HASH_KEY, sha256(candidate).toString('hex'));
    this.hash = Buffer.from(stored, 'hex');
    return { created: stored === sha256(candidate).toString('hex') ? candidate : undefined };
  }

  /** Replaces the stored admin token with a new one and returns it. */
  async reset(): Promise<string> {
    const token = newToken();
    await this.store.setMeta(HASH_KEY, sha256(token).toString('hex'));
    this.hash = sha256(token);
    return token;
  }

  async authenticate({ token }: Credentials): Promise<Principal> {
    if (token === undefined) throw new UnauthenticatedError('missing token: send Authorization: Bearer <token>');
    if (!this.hash || !timingSafeEqual(sha256(token), this.hash)) throw new UnauthenticatedError('invalid token');
    return SYSTEM;
  }
}
