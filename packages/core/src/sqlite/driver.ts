import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

type Driver = typeof BetterSqlite3;

/** The name under which activityd's own packages install better-sqlite3 13 (an npm alias). */
export const NAPI_DRIVER = 'better-sqlite3-napi';

const major = Number(process.versions.node.split('.')[0]);
const require = createRequire(import.meta.url);

/**
 * The better-sqlite3 this Node can run.
 *
 * better-sqlite3 12 wraps its objects in Node's `ObjectWrap` header, and built against Node
 * 24.19 or later that header aborts the process when the GC frees a statement (nodejs/node#65446:
 * `Assertion failed: (env) != nullptr`). better-sqlite3 13 uses Node-API and does not, but needs
 * Node 22 (on Node 20 it crashes on load). So on Node 22 and later the store takes
 * `better-sqlite3-napi` (better-sqlite3 13 under an npm alias, which activityd's own packages
 * install) when it is installed, and otherwise `better-sqlite3`, whichever version the embedder
 * chose.
 */
function load(): Driver {
  if (major >= 22) {
    try {
      return require(NAPI_DRIVER) as Driver;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    }
  }
  return require('better-sqlite3') as Driver;
}

export const Database: Driver = load();
export type Database = BetterSqlite3.Database;
