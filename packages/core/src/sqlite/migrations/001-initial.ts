/** Activities (one JSON document each, with the columns queries need), the event log, and named values. */
export default `
CREATE TABLE activities (
  id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  state TEXT NOT NULL,
  parent_id TEXT,
  runner TEXT,
  created_at INTEGER NOT NULL,
  ended_at INTEGER,
  lease_expires_at INTEGER,
  doc TEXT NOT NULL
) STRICT;
CREATE INDEX activities_newest ON activities (created_at DESC, id DESC);
CREATE INDEX activities_running ON activities (state, lease_expires_at);
CREATE INDEX activities_ended ON activities (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX activities_parent ON activities (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  doc TEXT NOT NULL
) STRICT;

CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
`;
