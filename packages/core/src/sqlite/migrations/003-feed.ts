/** The change feed: one row per recorded change, one per indexed document; both kept by write time. */
export default `
CREATE TABLE model_changes (
  seq INTEGER PRIMARY KEY,
  written_at INTEGER NOT NULL,
  doc TEXT NOT NULL
) STRICT;
CREATE INDEX model_changes_written ON model_changes (written_at);

CREATE TABLE index_entries (
  key TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  written_at INTEGER NOT NULL,
  doc TEXT NOT NULL
) STRICT;
CREATE INDEX index_entries_written ON index_entries (written_at, seq);
`;
