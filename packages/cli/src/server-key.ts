import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ActivityStore } from '@activityd/core';

/**
 * The key access secrets are derived from: `ACTIVITYD_SERVER_KEY` (64 hex digits), else
 * `server.key` in the data directory (created once, readable by its owner only), else — for the
 * memory store — a random key that lives as long as the process.
 */
export function loadServerKey(dataDir: string | null, env: NodeJS.ProcessEnv): Buffer {
  const fromEnv = serverKeyFromEnv(env);
  if (fromEnv) return fromEnv;
  if (dataDir === null) return randomBytes(32);
  const file = join(dataDir, 'server.key');
  mkdirSync(dataDir, { recursive: true });
  // Written whole to a temporary file, then linked into place: a process starting at the same
  // moment sees no file or the whole key, never a half-written one; the first link wins.
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, randomBytes(32).toString('hex'), { mode: 0o600 });
  try {
    linkSync(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temp);
  }
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) throw new Error(`${file} is not a server key (64 hex digits); restore it, or remove it to make a new one (every access secret changes)`);
  return Buffer.from(text, 'hex');
}

function serverKeyFromEnv(env: NodeJS.ProcessEnv): Buffer | undefined {
  const fromEnv = env.ACTIVITYD_SERVER_KEY;
  if (!fromEnv) return undefined;
  if (!/^[0-9a-f]{64}$/i.test(fromEnv)) throw new Error('ACTIVITYD_SERVER_KEY must be 64 hex digits (32 bytes)');
  return Buffer.from(fromEnv, 'hex');
}

/**
 * The server key of nodes sharing a store: `ACTIVITYD_SERVER_KEY`, else the one kept in the store,
 * which the first node to start creates atomically — so an access key's secret works on every node.
 */
export async function loadSharedServerKey(store: ActivityStore, env: NodeJS.ProcessEnv): Promise<Buffer> {
  const fromEnv = serverKeyFromEnv(env);
  if (fromEnv) return fromEnv;
  return Buffer.from(await store.setMetaOnce('server-key', randomBytes(32).toString('hex')), 'hex');
}
