/**
 * The running-activities index without `lease_expires_at`: that column changes on every progress
 * update, so the old `(state, lease_expires_at)` entry was rewritten by each one. An index on `state`
 * alone changes only when an activity ends; the lapsed-lease query reads the lease from the row
 * (running activities are few next to ended ones). The column stays, so older files keep working.
 */
export default `
DROP INDEX IF EXISTS activities_running;
CREATE INDEX activities_running ON activities (state);
`;
