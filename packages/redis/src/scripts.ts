import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/** The Lua scripts, one per file in `src/lua`; each conditional change is one of them. */
const SCRIPT_FILES = [
  'write-many', 'purge-ended', 'append-changes', 'write-index-entry', 'purge-feed',
  'set-meta-once', 'claim-once', 'create-token', 'delete-user', 'delete-token', 'remember-signature',
] as const;

/** A script's name: its file name without `.lua`. */
export type ScriptName = (typeof SCRIPT_FILES)[number];

/** Runs one script with its arguments (it takes no KEYS: every key derives from the prefix in ARGV[1]). */
export type ScriptCall = (...args: Array<string | number>) => Promise<unknown>;

const sources = new Map<ScriptName, string>();

function source(name: ScriptName): string {
  let lua = sources.get(name);
  if (lua === undefined) {
    lua = readFileSync(new URL(`../src/lua/${name}.lua`, import.meta.url), 'utf8');
    sources.set(name, lua);
  }
  return lua;
}

/** The ioredis command name a script is defined under. */
export function scriptCommand(name: ScriptName): string {
  return `activityd_${name.replace(/-/g, '_')}`;
}

/**
 * Registers every script on `redis` with `defineCommand` (EVALSHA, falling back to EVAL after a
 * Redis restart emptied the script cache) and returns a typed caller per script.
 */
export function defineScripts(redis: Redis): Record<ScriptName, ScriptCall> {
  const calls = {} as Record<ScriptName, ScriptCall>;
  for (const name of SCRIPT_FILES) {
    const command = scriptCommand(name);
    redis.defineCommand(command, { numberOfKeys: 0, lua: source(name) });
    const method = (redis as unknown as Record<string, ScriptCall>)[command]!;
    calls[name] = (...args) => method.apply(redis, args);
  }
  return calls;
}
