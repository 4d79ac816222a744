/** Claims with an expiry (`ActivityStore.claimOnce`): the `Idempotency-Key`s of recent creates. */
export default `
CREATE TABLE claims (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX claims_expiry ON claims (expires_at);
`;
