import initial from './001-initial.js';
import access from './002-access.js';
import feed from './003-feed.js';
import runningIndex from './004-running-index.js';

/** Schema migrations in order; the database's `user_version` is how many have run. */
export const MIGRATIONS: readonly string[] = [initial, access, feed, runningIndex];
