import initial from './001-initial.js';

/** Schema migrations in order; the database's `user_version` is how many have run. */
export const MIGRATIONS: readonly string[] = [initial];
