import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new bearer token: `act_` and 32 random bytes. Shown once; only its hash is kept. */
export function newToken(): string {
  return `act_${randomBytes(32).toString('base64url')}`;
}

/** Hex SHA-256 of a token: how tokens are stored and looked up. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A short random id with a prefix, e.g. `tok_3f9a1c2b7d4e`. */
export function newId(prefix: string, bytes = 6): string {
  return `${prefix}_${randomBytes(bytes).toString('hex')}`;
}

/** An access key id: `AK` and 20 hex digits. */
export function newAccessKey(): string {
  return `AK${randomBytes(10).toString('hex').toUpperCase()}`;
}

/**
 * The secret of an access key, derived from the server key, never stored: only the salt is.
 * Rotating the server key invalidates every access secret at once.
 */
export function accessSecretOf(serverKey: Buffer, accessKey: string, salt: string): string {
  return createHmac('sha256', serverKey).update(`${accessKey}:${salt}`).digest('base64url');
}

/** Constant-time comparison of two hex or text digests. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
