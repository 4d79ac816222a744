import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command, type Redis } from 'ioredis';

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

/**
 * A command whose arguments are `head` then `body[start..end)`, each as text, copied once. ioredis's
 * own path for a defined script copies a call's arguments four times (two spreads, a rest
 * parameter, `Array.prototype.flat`, the last alone about 7 µs for a write call's 80 arguments) and
 * wraps its promise twice; a write call is sent for every 16 updates or so.
 */
class ArgsCommand extends Command {
  declare args: string[];

  constructor(name: string, head: readonly string[], body: ReadonlyArray<string | number>, start: number, end: number) {
    super(name, []);
    const args: string[] = new Array<string>(head.length + end - start);
    let n = 0;
    for (let i = 0; i < head.length; i++) args[n++] = head[i]!;
    // As ioredis's `toArg`: numbers become their digits. An integer's by `toFixed(0)` (the same
    // text), not `String`: V8 keeps every string `String(number)` makes in its number-string cache,
    // an old-generation table, so each call's seqs outlived the scavenges after it and were promoted
    // (73 KB per scavenge at saturation, 0.2 KB this way; scavenge pauses 0.9 → 0.6 ms).
    for (let i = start; i < end; i++) {
      const value = body[i]!;
      args[n++] = typeof value === 'number' && Number.isInteger(value) ? value.toFixed(0) : String(value);
    }
    this.args = args;
  }

  /** The command as RESP text (see {@link respText}). */
  override toWritable(): string {
    return respText(this.name, this.args);
  }
}

/**
 * A command as RESP text, as ioredis's `toWritable` writes it, with each bulk length counted in
 * characters and the whole text's UTF-8 length checked once: equal only when every character is
 * ASCII (one byte each), as in nearly every write call. ioredis measures each argument's UTF-8
 * length instead, a call into C++ per argument: with the text's concatenation and its flattening
 * when written, about a tenth of the writing node's samples.
 */
export function respText(name: string, args: readonly string[]): string {
  const text = resp(name, args, (arg) => arg.length);
  return Buffer.byteLength(text) === text.length ? text : resp(name, args, (arg) => Buffer.byteLength(arg));
}

function resp(name: string, args: readonly string[], size: (arg: string) => number): string {
  let text = '*' + (args.length + 1) + '\r\n$' + size(name) + '\r\n' + name + '\r\n';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    text += '$' + size(arg) + '\r\n' + arg + '\r\n';
  }
  return text;
}

/**
 * Runs the script `name` with `head` then `body[start..end)` as its arguments (ARGV; no KEYS), by
 * EVALSHA: the busy path (a node's write calls), without ioredis's `defineCommand` machinery. A
 * Redis that does not hold the script (first call, or its cache emptied by a restart or `SCRIPT
 * FLUSH`) answers NOSCRIPT, and the call is sent again as EVAL, which loads it.
 */
export function scriptRunner(redis: Redis, name: ScriptName): (head: readonly string[], body: ReadonlyArray<string | number>, start: number, end: number) => Promise<unknown> {
  const lua = source(name);
  const sha = createHash('sha1').update(lua).digest('hex');
  return async (head, body, start, end) => {
    try {
      return await redis.sendCommand(new ArgsCommand('evalsha', [sha, '0', ...head], body, start, end));
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return await redis.sendCommand(new ArgsCommand('eval', [lua, '0', ...head], body, start, end));
    }
  };
}
