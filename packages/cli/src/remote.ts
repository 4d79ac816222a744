import { parseArgs } from 'node:util';
import { ActivitydClient } from '@activityd/client';

/** Flags every command that talks to a running server takes. */
export const REMOTE_FLAGS = {
  url: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** A client for `--url` / `ACTIVITYD_URL` (default the local server) with `--token` / `ACTIVITYD_TOKEN`. */
export function clientFrom(values: { url?: string; token?: string }, env: NodeJS.ProcessEnv): ActivitydClient {
  const token = values.token ?? env.ACTIVITYD_TOKEN;
  if (!token) throw new Error('no token: pass --token or set ACTIVITYD_TOKEN (the admin token is printed at first start)');
  return new ActivitydClient({ baseUrl: values.url ?? env.ACTIVITYD_URL ?? 'http://127.0.0.1:4600', token });
}

/** Parses a command's flags beside the remote ones. */
export function parseRemote(argv: string[], flags: Record<string, { type: 'string' | 'boolean' }>): { values: Record<string, string | boolean | undefined> & { url?: string; token?: string; json?: boolean }; positionals: string[] } {
  const { values, positionals } = parseArgs({ args: argv, options: { ...REMOTE_FLAGS, ...flags }, allowPositionals: true, strict: true });
  return { values: values as Record<string, string | boolean | undefined>, positionals };
}

const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
export { list as csv };
