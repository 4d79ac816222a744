/**
 * The SQLite adapter of activityd's store port. Needs `better-sqlite3` installed beside it.
 * @example
 * import { ActivityHub } from '@activityd/core';
 * import { SqliteStore } from '@activityd/core/sqlite';
 * const hub = new ActivityHub({ store: new SqliteStore({ filename: '.activityd/activityd.db' }) });
 */
export { SqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
