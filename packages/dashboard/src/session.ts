import { ActivitydClient, RateLimitedError, UnauthenticatedError } from '@activityd/client';

const KEY = 'activityd.token';

/** Who is signed in: the client that carries the token, and what `/v1/me` says it may do. */
export interface Session {
  client: ActivitydClient;
  me: { userId: number | null; admin: boolean; scopes: string[]; groups: string[]; service: boolean };
}

/** Takes a `?token=` from the address bar and removes it at once, so it is neither bookmarked nor shared. */
export function takeTokenFromUrl(): string | null {
  const url = new URL(location.href);
  const token = url.searchParams.get('token');
  if (token === null) return null;
  url.searchParams.delete('token');
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
  return token;
}

/** The token of this tab's earlier sign-in, if any. */
export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

/** Forgets the token of this tab. */
export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** Checks `token` with the server; keeps it for this tab when it works, and says plainly why not otherwise. */
export async function signIn(token: string): Promise<Session> {
  const client = new ActivitydClient({ baseUrl: location.origin, token: token.trim(), retries: 1, timeoutMs: 10_000 });
  try {
    const me = await client.me();
    sessionStorage.setItem(KEY, token.trim());
    return { client, me };
  } catch (error) {
    throw new Error(signInProblem(error), { cause: error });
  }
}

function signInProblem(error: unknown): string {
  if (error instanceof UnauthenticatedError) return 'That token was not accepted: it is wrong, revoked, or for another server.';
  if (error instanceof RateLimitedError) return 'Too many failed sign-ins from here; wait a minute and try again.';
  return `The server could not be reached (${error instanceof Error ? error.message : String(error)}).`;
}

/** May this session cancel activities at all? (Visibility is given: it sees them.) */
export function mayCancel(session: Session): boolean {
  return session.me.admin || session.me.scopes.includes('cancel') || session.me.scopes.includes('admin');
}
