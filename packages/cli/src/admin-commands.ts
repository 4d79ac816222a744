import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { SYSTEM, type AccessService, type Scope } from '@activityd/core';
import { withLocalAccess } from './local-access.js';

/** The management calls, made on a local data directory or on a running server. */
interface AdminBackend {
  create(kind: Kind, body: Record<string, unknown>): Promise<unknown>;
  list(kind: Kind): Promise<unknown[]>;
  remove(kind: Kind, id: string): Promise<void>;
}

type Kind = 'users' | 'groups' | 'tokens' | 'keys';

export const ADMIN_USAGE = `Access management (against --data-dir, or a running server with --url and --token):
  activityd groups add --name NAME [--parent ID] [--id ID] | groups ls | groups rm ID
  activityd users add --name NAME --groups G1,G2 [--admin]  | users ls  | users rm ID
  activityd tokens create --user ID [--scopes read,report,cancel,admin] [--name N] [--service]
  activityd tokens ls | tokens revoke ID
  activityd keys create --user ID [--service] | keys ls | keys rm ACCESS_KEY
  Options: --data-dir DIR (default ./.activityd) · --url URL --token TOKEN (or ACTIVITYD_URL, ACTIVITYD_TOKEN) · --json`;

const FLAGS = {
  name: { type: 'string' }, parent: { type: 'string' }, id: { type: 'string' }, groups: { type: 'string' },
  admin: { type: 'boolean' }, user: { type: 'string' }, scopes: { type: 'string' }, service: { type: 'boolean' },
  'data-dir': { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' },
} as const;

const list = (text: string | undefined) => (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const userId = (text: string | undefined) => {
  if (!text || !/^\d+$/.test(text)) throw new Error('--user needs a user id (a positive integer)');
  return Number(text);
};

/** `activityd <kind> <verb> ...`; prints what it made (a created token or secret is shown this once). */
export async function runAdminCommand(kind: Kind, argv: string[], env: NodeJS.ProcessEnv, say: (line: string) => void): Promise<void> {
  const { values, positionals } = parseArgs({ args: argv, options: FLAGS, allowPositionals: true, strict: true });
  const [verb, target] = positionals;
  const url = values.url ?? env.ACTIVITYD_URL;
  const run = (backend: AdminBackend) => dispatch(backend, kind, verb, target, values);
  const result = url
    ? await run(remoteBackend(url, values.token ?? env.ACTIVITYD_TOKEN))
    : await withLocalAccess(resolve(values['data-dir'] ?? env.ACTIVITYD_DATA_DIR ?? '.activityd'), (access) => run(localBackend(access)));
  if (result === undefined) return;
  say(values.json || typeof result !== 'object' ? JSON.stringify(result, null, 2) : human(result));
}

async function dispatch(b: AdminBackend, kind: Kind, verb: string | undefined, target: string | undefined, v: Record<string, string | boolean | undefined>): Promise<unknown> {
  const str = (name: string) => (typeof v[name] === 'string' ? (v[name] as string) : undefined);
  if (verb === 'ls') return b.list(kind);
  if (verb === 'rm' || verb === 'revoke') {
    if (!target) throw new Error(`${kind} ${verb} needs an id`);
    await b.remove(kind, target);
    return `removed ${kind.slice(0, -1)} ${target}`;
  }
  if ((verb === 'add' && (kind === 'users' || kind === 'groups')) || (verb === 'create' && (kind === 'tokens' || kind === 'keys'))) {
    const bodies: Record<Kind, () => Record<string, unknown>> = {
      groups: () => ({ name: required(str('name'), '--name'), ...(str('parent') ? { parentId: str('parent') } : {}), ...(str('id') ? { id: str('id') } : {}) }),
      users: () => ({ name: required(str('name'), '--name'), groups: list(str('groups')), ...(v.admin ? { admin: true } : {}) }),
      tokens: () => ({ userId: userId(str('user')), ...(str('scopes') ? { scopes: list(str('scopes')) } : {}), ...(str('name') ? { name: str('name') } : {}), ...(v.service ? { service: true } : {}) }),
      keys: () => ({ userId: userId(str('user')), ...(v.service ? { service: true } : {}) }),
    };
    return b.create(kind, bodies[kind]());
  }
  throw new Error(`unknown command: activityd ${kind} ${verb ?? ''}\n\n${ADMIN_USAGE}`);
}

function required(value: string | undefined, flag: string): string {
  if (!value) throw new Error(`${flag} is required`);
  return value;
}

function localBackend(access: AccessService): AdminBackend {
  return {
    async create(kind, body) {
      if (kind === 'groups') return access.createGroup(SYSTEM, body as { name: string });
      if (kind === 'users') return access.createUser(SYSTEM, body as { name: string; groups: string[] });
      if (kind === 'tokens') return access.createToken(SYSTEM, body as { userId: number; scopes?: Scope[] });
      return access.createKey(SYSTEM, body as { userId: number });
    },
    async list(kind) {
      if (kind === 'groups') return access.listGroups(SYSTEM);
      if (kind === 'users') return access.listUsers(SYSTEM);
      if (kind === 'tokens') return access.listTokens(SYSTEM);
      return access.listKeys(SYSTEM);
    },
    async remove(kind, id) {
      if (kind === 'groups') return access.deleteGroup(SYSTEM, id);
      if (kind === 'users') return access.deleteUser(SYSTEM, userId(id));
      if (kind === 'tokens') return access.deleteToken(SYSTEM, id);
      return access.deleteKey(SYSTEM, id);
    },
  };
}

function remoteBackend(base: string, token: string | undefined): AdminBackend {
  if (!token) throw new Error('--url needs --token (or ACTIVITYD_TOKEN) with the admin scope');
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(new URL(`/v1/admin/${path}`, base), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    if (!res.ok) throw new Error(`${res.status} ${(json?.error as { code?: string; message?: string } | undefined)?.message ?? text}`);
    return json;
  };
  return {
    create: (kind, body) => call('POST', kind, body),
    list: async (kind) => ((await call('GET', kind)) as Record<string, unknown[]>)[kind] ?? [],
    remove: async (kind, id) => void (await call('DELETE', `${kind}/${encodeURIComponent(id)}`)),
  };
}

function human(result: unknown): string {
  const rows = Array.isArray(result) ? result : [result];
  if (rows.length === 0) return '(none)';
  return rows.map((r) => Object.entries(r as object).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join('  ')).join('\n');
}
