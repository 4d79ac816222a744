/** Users, groups, tokens (hashed), access keys (salt only), presence, and recently seen signatures. */
export default `
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  groups TEXT NOT NULL,
  admin INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE groups (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  parent_id TEXT,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE tokens (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL,
  scopes TEXT NOT NULL,
  name TEXT,
  service INTEGER NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE access_keys (
  access_key TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL,
  service INTEGER NOT NULL,
  salt TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE presence (
  user_id INTEGER PRIMARY KEY,
  seen_at INTEGER NOT NULL
) STRICT;

CREATE TABLE seen_signatures (
  hash TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX seen_signatures_expiry ON seen_signatures (expires_at);
`;
