import { join } from 'node:path';
import { AccessService, systemClock } from '@activityd/core';
import { SqliteStore } from '@activityd/core/sqlite';
import { loadServerKey } from './server-key.js';

/** Runs `work` against the access records of a local data directory (the server need not run). */
export async function withLocalAccess<T>(dataDir: string, work: (access: AccessService) => Promise<T>): Promise<T> {
  const store = new SqliteStore({ filename: join(dataDir, 'activityd.db') });
  await store.open();
  try {
    const access = new AccessService({ store: store.access, clock: systemClock, serverKey: loadServerKey(dataDir, process.env) });
    await access.ensureAdmin();
    return await work(access);
  } finally {
    await store.close();
  }
}
