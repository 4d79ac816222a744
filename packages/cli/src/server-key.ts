import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The key access secrets are derived from: `ACTIVITYD_SERVER_KEY` (64 hex digits), else
 * `server.key` in the data directory (created once, readable by its owner only), else — for the
 * memory store — a random key that lives as long as the process.
 */
export function loadServerKey(dataDir: string | null, env: NodeJS.ProcessEnv): Buffer {
  const fromEnv = env.ACTIVITYD_SERVER_KEY;
  if (fromEnv) {
    if (!/^[0-9a-f]{64}$/i.test(fromEnv)) throw new Error('ACTIVITYD_SERVER_KEY must be 64 hex digits (32 bytes)');
    return Buffer.from(fromEnv, 'hex');
  }
  if (dataDir === null) return randomBytes(32);
  const file = join(dataDir, 'server.key');
  mkdirSync(dataDir, { recursive: true });
  try {
    writeFileSync(file, randomBytes(32).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
}
