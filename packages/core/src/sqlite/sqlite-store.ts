import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Database } from './driver.js';
import type { Activity, ActivityEvent, ActivityState, ChangeIndexEvent, ChangeModelEvent, HubEvent } from '@activityd/protocol/types';
import { indexKey, publicChange, publicIndexEntry, type StoredChange, type StoredIndexEntry } from '../feed/feed-types.js';
import { ValidationError } from '@activityd/protocol/errors';
import { toPublic, type StoredActivity } from '../activity.js';
import { EventFanout } from '../event-fanout.js';
import { rememberWireJson } from '../wire-json.js';
import {
  decodeCursor, encodeCursor, matchesQuery,
  type ActivityPage, type ActivityQuery, type ActivityStore, type ActivityWrite,
} from '../store.js';
import { MIGRATIONS } from './migrations/index.js';
import { SqliteAccessStore } from './sqlite-access-store.js';
import { GroupCommit } from './group-commit.js';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file; its folder is created if missing. `:memory:` works for tests. */
  filename: string;
  /** How many events the log keeps (default 10,000). */
  eventLogSize?: number;
  /**
   * WAL pages after which a commit copies the WAL back into the database file (default 10,000,
   * about 40 MB). A checkpoint copies each page changed since the last one once, however often it
   * changed, so with SQLite's default of 1,000 the same few hot pages were copied and synced ten
   * times as often: about 14 % of the server's CPU under a steady stream of progress updates.
   */
  checkpointPages?: number;
}

type Statements = ReturnType<typeof prepare>;

/** An activity row: its id, the public document (older files also have `runner` in it) and the runner column. */
interface ActivityRow { id: string; doc: string; runner: string | null }

function prepare(db: Database) {
  return {
    seqOf: db.prepare<[string], { seq: number }>('SELECT seq FROM activities WHERE id = ?'),
    insert: db.prepare<[string, number, string, string | null, string | null, number, number | null, number | null, string]>(
      `INSERT INTO activities (id, seq, state, parent_id, runner, created_at, ended_at, lease_expires_at, doc)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    // Only these columns ever change after the insert (parent, runner and creation time never do).
    update: db.prepare<[number, string, number | null, number | null, string, string]>(
      'UPDATE activities SET seq = ?, state = ?, ended_at = ?, lease_expires_at = ?, doc = ? WHERE id = ?'),
    // Brings a row that is behind the event log up to date (see `rowsBehind`); never moves it back.
    catchUpRow: db.prepare<[number, number | null, string, string, number]>(
      'UPDATE activities SET seq = ?, lease_expires_at = ?, doc = ? WHERE id = ? AND seq < ?'),
    replayRow: db.prepare<[number, string, number | null, number | null, string, string, number]>(
      'UPDATE activities SET seq = ?, state = ?, ended_at = ?, lease_expires_at = ?, doc = ? WHERE id = ? AND seq < ?'),
    runningSeqs: db.prepare<[], { id: string; seq: number }>(`SELECT id, seq FROM activities WHERE state = 'running'`),
    eventsFrom: db.prepare<[number], { doc: string }>('SELECT doc FROM events WHERE seq > ? ORDER BY seq'),
    appendEvent: db.prepare('INSERT INTO events (seq, doc) VALUES (?, ?)'),
    trimEvents: db.prepare('DELETE FROM events WHERE seq <= ?'),
    get: db.prepare<[string], ActivityRow>('SELECT id, doc, runner FROM activities WHERE id = ?'),
    lapsed: db.prepare<[number, number], ActivityRow>(
      `SELECT id, doc, runner FROM activities WHERE state = 'running' AND lease_expires_at <= ? AND runner IS NULL LIMIT ?`),
    inProcess: db.prepare<[number], ActivityRow>(
      `SELECT id, doc, runner FROM activities WHERE state = 'running' AND runner IS NOT NULL LIMIT ?`),
    remote: db.prepare<[string, number], ActivityRow>(
      `SELECT id, doc, runner FROM activities WHERE state = 'running' AND runner IS NULL AND id > ? ORDER BY id LIMIT ?`),
    purge: db.prepare(
      'DELETE FROM activities WHERE id IN (SELECT id FROM activities WHERE ended_at IS NOT NULL AND ended_at < ? LIMIT ?)'),
    eventsAfter: db.prepare<[number, number], { doc: string }>('SELECT doc FROM events WHERE seq > ? ORDER BY seq LIMIT ?'),
    bounds: db.prepare<[], { first: number | null; last: number | null }>('SELECT min(seq) AS first, max(seq) AS last FROM events'),
    insertChange: db.prepare('INSERT INTO model_changes (seq, written_at, doc) VALUES (?, ?, ?)'),
    indexSeq: db.prepare<[string], { seq: number }>('SELECT seq FROM index_entries WHERE key = ?'),
    getIndex: db.prepare<[string], { doc: string }>('SELECT doc FROM index_entries WHERE key = ?'),
    upsertIndex: db.prepare(`INSERT INTO index_entries (key, seq, written_at, doc) VALUES (?, ?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET seq = excluded.seq, written_at = excluded.written_at, doc = excluded.doc`),
    readChanges: db.prepare<[number, number], { doc: string }>('SELECT doc FROM model_changes WHERE written_at > ? ORDER BY seq LIMIT ?'),
    readIndex: db.prepare<[number, number], { doc: string }>('SELECT doc FROM index_entries WHERE written_at > ? ORDER BY written_at, seq LIMIT ?'),
    purgeChanges: db.prepare('DELETE FROM model_changes WHERE seq IN (SELECT seq FROM model_changes WHERE written_at < ? LIMIT ?)'),
    purgeIndex: db.prepare('DELETE FROM index_entries WHERE key IN (SELECT key FROM index_entries WHERE written_at < ? LIMIT ?)'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
    countByState: db.prepare<[], { state: string; n: number }>('SELECT state, count(*) AS n FROM activities GROUP BY state'),
    setMetaOnce: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING'),
    dropClaims: db.prepare('DELETE FROM claims WHERE expires_at <= ?'),
    claim: db.prepare('INSERT INTO claims (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING'),
    getClaim: db.prepare<[string], { value: string }>('SELECT value FROM claims WHERE key = ?'),
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
  };
}

/**
 * The embedded default: one SQLite file (better-sqlite3, WAL, `synchronous=NORMAL`). Writes made in
 * one event-loop turn share one transaction ({@link GroupCommit}); each resolves after that commit,
 * so an acknowledged change survives a killed process (not a power cut), and events are emitted
 * only once committed.
 *
 * This store is the single writer of its file: it keeps the committed state of running activities
 * in memory, so `get` and a write's `seq` check need no query. Another connection writing the file
 * (the CLI managing access records) changes SQLite's `data_version`, which empties that cache.
 * @example
 * const store = new SqliteStore({ filename: '.activityd/activityd.db' });
 */
export class SqliteStore implements ActivityStore {
  private db: Database | null = null;
  /** Access records in the same file. */
  readonly access = new SqliteAccessStore(() => this.database(), () => this.noticeOtherWriters());
  private sql: Statements | null = null;
  private readonly fanout = new EventFanout();
  private readonly eventLogSize: number;
  /**
   * Events between trims of the log (a trim also writes the rows behind it): half the log's size,
   * at least 1,000. The log holds `eventLogSize` to `eventLogSize + trimEvery` events.
   */
  private readonly trimEvery: number;
  private seq = 0;
  private sinceTrim = 0;
  private dataVersion = 0;
  /** How often another connection was seen committing to the file (it may have changed anything). */
  private otherWrites = 0;
  private checkedThisTurn = false;
  /** Committed state of running activities (ended ones are read from the file). */
  private readonly running = new Map<string, StoredActivity>();
  /** Activities written by the batch being committed, not yet in `running`. */
  private batchLatest = new Map<string, StoredActivity>();
  /**
   * Running activities whose row is behind the event log: a progress update (state and end time
   * unchanged) is committed as its event row only, and the latest committed copy is kept here. The
   * event log is the record of it — it is what `open` replays into the rows after a crash — so the
   * rows are brought up to date before the log is trimmed past them, before a query that selects
   * by a column such an update changes (the lease), and on close. Every read of a row consults this
   * first. It halves what a progress update writes: one row and one B-tree page run instead of two.
   */
  private readonly rowsBehind = new Map<string, StoredActivity>();
  /** Activities the batch being committed wrote as an event only (see `rowsBehind`). */
  private batchEventOnly = new Set<string>();
  /** Activities with a write queued for this turn's commit. */
  private queued = new Set<string>();
  private seqBeforeBatch = 0;
  private readonly commits = new GroupCommit(() => this.database(), {
    begin: () => {
      this.seqBeforeBatch = this.seq;
      this.queued = new Set();
    },
    rollback: () => {
      this.seq = this.seqBeforeBatch; // the transaction rolled back: so does the counter
      this.newBatch();
    },
    committed: () => {
      for (const [id, a] of this.batchLatest) {
        if (a.state === 'running') this.running.set(id, a);
        else this.running.delete(id);
        if (this.batchEventOnly.has(id)) this.rowsBehind.set(id, a);
        else this.rowsBehind.delete(id);
      }
      this.newBatch();
      if (this.sinceTrim >= this.trimEvery) this.trimLog();
    },
  });

  /**
   * Starts the next batch's sets afresh rather than clearing them. `clear()` gives a long-lived
   * collection a new table and leaves the old one, dead in the old generation, still pointing at
   * every entry: each batch's activities were then kept alive through every scavenge until the next
   * full GC, promoted, and the GC's work grew with the write rate. New sets die young with their batch.
   */
  private newBatch(): void {
    this.batchLatest = new Map();
    this.batchEventOnly = new Set();
  }

  constructor(private readonly options: SqliteStoreOptions) {
    this.eventLogSize = options.eventLogSize ?? 10_000;
    this.trimEvery = Math.max(1_000, Math.floor(this.eventLogSize / 2));
  }

  async open(): Promise<void> {
    if (this.db) return;
    if (this.options.filename !== ':memory:') mkdirSync(dirname(this.options.filename), { recursive: true });
    const db = new Database(this.options.filename);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma(`wal_autocheckpoint = ${this.options.checkpointPages ?? 10_000}`);
    // After a checkpoint the WAL file is reused from its start; cap what it keeps on disk.
    db.pragma('journal_size_limit = 67108864');
    migrate(db);
    const sql = prepare(db);
    if (sql.getMeta.get(ROWS_CURRENT)?.value !== String(sql.bounds.get()?.last ?? 0)) replayEventsIntoRows(db, sql);
    this.seq = sql.bounds.get()?.last ?? 0;
    this.dataVersion = sql.dataVersion.get()!;
    this.otherWrites++; // whatever happened to the file while it was closed
    this.running.clear();
    this.db = db;
    this.sql = sql;
  }

  async close(): Promise<void> {
    try {
      if (this.db) {
        this.commits.flush();
        this.catchUpRows(() => this.statements().setMeta.run(ROWS_CURRENT, String(this.seq)));
      }
    } finally {
      // Closed even if the rows could not be written: the log still has them for the next open.
      this.db?.close();
      this.db = null;
      this.sql = null;
    }
  }

  async write(change: ActivityWrite): Promise<ActivityEvent | null> {
    const sql = this.statements();
    this.queued.add(change.activity.id);
    return this.commits.enqueue(() => this.writeNow(sql, change), (event) => {
      if (event) this.fanout.emit(event);
    });
  }

  /** The compare-and-set of one write; runs inside the batch's transaction. */
  private writeNow(sql: Statements, change: ActivityWrite): ActivityEvent | null {
    const id = change.activity.id;
    if (this.batchLatest.size === 0) this.noticeOtherWriters();
    const current = this.batchLatest.get(id) ?? this.running.get(id) ?? this.rowsBehind.get(id);
    const currentSeq = current?.seq ?? sql.seqOf.get(id)?.seq;
    if (change.expectSeq === null ? currentSeq !== undefined : currentSeq !== change.expectSeq) return null;
    const seq = this.seq + 1;
    const stored: StoredActivity = { ...change.activity, seq };
    const activity = toPublic(stored);
    const doc = JSON.stringify(activity);
    if (change.expectSeq === null) {
      sql.insert.run(id, seq, stored.state, stored.parentId, stored.runner, stored.createdAt, stored.endedAt, stored.leaseExpiresAt, doc);
    } else if (current && current.state === stored.state && current.endedAt === stored.endedAt) {
      this.batchEventOnly.add(id); // a progress update: its event row is its record (see `rowsBehind`)
    } else {
      sql.update.run(seq, stored.state, stored.endedAt, stored.leaseExpiresAt, doc, id);
      this.batchEventOnly.delete(id);
    }
    this.batchLatest.set(id, stored);
    const event: ActivityEvent = { seq, type: change.type, at: stored.updatedAt, activity };
    // The event row embeds the document already serialised; replies and streams send these same texts.
    const text = `{"seq":${seq},"type":${JSON.stringify(change.type)},"at":${stored.updatedAt},"activity":${doc}}`;
    rememberWireJson(activity, doc);
    rememberWireJson(event, text);
    return this.appendEvent(sql, event, text);
  }

  /**
   * Has another connection committed to the file since we last looked? Then what we cached may be
   * stale: forget it. Looks at most once per event-loop turn; returns the count of such commits seen.
   */
  private noticeOtherWriters(): number {
    if (this.checkedThisTurn || !this.sql) return this.otherWrites;
    this.checkedThisTurn = true;
    setImmediate(() => (this.checkedThisTurn = false));
    const version = this.sql.dataVersion.get()!;
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.otherWrites++;
      this.running.clear();
    }
    return this.otherWrites;
  }

  /** Appends an event whose `seq` is the next one; call inside a transaction. */
  private appendEvent<E extends HubEvent>(sql: Statements, event: E, doc = JSON.stringify(event)): E {
    sql.appendEvent.run(event.seq, doc);
    this.sinceTrim++;
    this.seq = event.seq;
    return event;
  }

  /**
   * Every `trimEvery` events, after a commit: brings the rows up to date, then trims the log to its size,
   * in one transaction, so no event is dropped while a row still depends on it.
   */
  private trimLog(): void {
    try {
      this.catchUpRows(() => this.statements().trimEvents.run(this.seq - this.eventLogSize));
      this.sinceTrim = 0;
    } catch {
      // The log just stays longer until the next commit tries again; nothing acknowledged is at risk.
    }
  }

  /**
   * Writes the rows that are behind the event log (committed state only; see `rowsBehind`) and runs
   * `also` in the same transaction; forgets the copies only once that committed.
   */
  private catchUpRows(also?: () => void): void {
    if (this.rowsBehind.size === 0 && !also) return;
    const sql = this.statements();
    this.database().transaction(() => {
      for (const [id, a] of this.rowsBehind) {
        // Serialised again rather than kept: a text per activity held until the next catch-up
        // outlives the young generation, and the GC work cost more than this (once per `trimEvery` events).
        sql.catchUpRow.run(a.seq, a.leaseExpiresAt, JSON.stringify(toPublic(a)), id, a.seq);
      }
      also?.();
    })();
    this.rowsBehind.clear();
  }

  /** A row as the store knows it: the newer copy when the row is behind the event log. */
  private fromRow = (row: ActivityRow): StoredActivity => this.rowsBehind.get(row.id) ?? parseRow(row);

  async appendChanges(changes: StoredChange[]): Promise<ChangeModelEvent[]> {
    const sql = this.statements();
    return this.commits.enqueue(() => changes.map((c) => {
      const seq = this.seq + 1;
      sql.insertChange.run(seq, c.writtenAt, JSON.stringify(c));
      return this.appendEvent(sql, { seq, type: 'change.model' as const, at: c.writtenAt, change: publicChange(c) });
    }), (events) => {
      for (const e of events) this.fanout.emit(e);
    });
  }

  async getIndexEntry(model: string, id: string | number): Promise<StoredIndexEntry | undefined> {
    const sql = this.statements();
    if (this.commits.pending) await this.commits.settled();
    const row = sql.getIndex.get(indexKey(model, id));
    return row ? (JSON.parse(row.doc) as StoredIndexEntry) : undefined;
  }

  async writeIndexEntry(entry: Omit<StoredIndexEntry, 'seq'>, expectSeq: number | null): Promise<ChangeIndexEvent | null> {
    const sql = this.statements();
    const key = indexKey(entry.model, entry.id);
    return this.commits.enqueue(() => {
      if ((sql.indexSeq.get(key)?.seq ?? null) !== expectSeq) return null;
      const stored: StoredIndexEntry = { ...entry, seq: this.seq + 1 };
      sql.upsertIndex.run(key, stored.seq, stored.writtenAt, JSON.stringify(stored));
      return this.appendEvent(sql, { seq: stored.seq, type: 'change.index' as const, at: stored.writtenAt, change: publicIndexEntry(stored) });
    }, (event) => {
      if (event) this.fanout.emit(event);
    });
  }

  async readChanges(writtenAfter: number, limit: number): Promise<StoredChange[]> {
    return this.statements().readChanges.all(writtenAfter, limit).map((r) => JSON.parse(r.doc) as StoredChange);
  }

  async readIndexEntries(writtenAfter: number, limit: number): Promise<StoredIndexEntry[]> {
    return this.statements().readIndex.all(writtenAfter, limit).map((r) => JSON.parse(r.doc) as StoredIndexEntry);
  }

  async purgeFeed(writtenBefore: number, limit: number): Promise<number> {
    const sql = this.statements();
    return sql.purgeChanges.run(writtenBefore, limit).changes + sql.purgeIndex.run(writtenBefore, limit).changes;
  }

  /** The committed copy: a write still queued for this turn's commit is waited for, never read early. */
  async get(id: string): Promise<StoredActivity | undefined> {
    const sql = this.statements();
    if (this.queued.has(id)) await this.commits.settled();
    this.noticeOtherWriters();
    const cached = this.running.get(id) ?? this.rowsBehind.get(id);
    if (cached) return cached;
    const row = sql.get.get(id);
    if (!row) return undefined;
    const activity = parseRow(row);
    if (activity.state === 'running') this.running.set(id, activity);
    return activity;
  }

  async list(query: ActivityQuery): Promise<ActivityPage> {
    const db = this.database();
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.cursor !== undefined) {
      const c = decodeCursor(query.cursor);
      if (!c) throw new ValidationError('malformed cursor');
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(c.createdAt, c.createdAt, c.id);
    }
    if (query.states) {
      where.push(`state IN (${query.states.map(() => '?').join(',')})`);
      params.push(...query.states);
    }
    if (query.parentId !== undefined) {
      where.push('parent_id = ?');
      params.push(query.parentId);
    }
    if (query.endedSince !== undefined) {
      where.push('ended_at >= ?'); // the ended index: recent ends, not every retained one
      params.push(query.endedSince);
    }
    const text = `SELECT id, doc, runner FROM activities ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC`;
    const activities: StoredActivity[] = [];
    let more = false;
    for (const row of db.prepare<unknown[], ActivityRow>(text).iterate(...params)) {
      const a = this.fromRow(row); // the WHERE above reads no column a progress update changes
      if (!matchesQuery(a, query)) continue;
      if (activities.length === query.limit) {
        more = true;
        break;
      }
      activities.push(a);
    }
    const last = activities.at(-1);
    return { activities, nextCursor: more && last ? encodeCursor(last) : null };
  }

  async lapsed(now: number, limit: number): Promise<StoredActivity[]> {
    this.catchUpRows(); // the lease column of a row behind the log is older than the lease
    return this.statements().lapsed.all(now, limit).map(parseRow);
  }

  async runningInProcess(limit: number): Promise<StoredActivity[]> {
    return this.statements().inProcess.all(limit).map(this.fromRow);
  }

  async runningRemote(limit: number, afterId = ''): Promise<StoredActivity[]> {
    return this.statements().remote.all(afterId, limit).map(this.fromRow);
  }

  async purgeEnded(endedBefore: number, limit: number): Promise<number> {
    return this.statements().purge.run(endedBefore, limit).changes;
  }

  async eventsAfter(after: number, limit: number): Promise<HubEvent[]> {
    return this.statements().eventsAfter.all(after, limit).map((row) => JSON.parse(row.doc) as HubEvent);
  }

  async logBounds(): Promise<{ first: number; last: number }> {
    const row = this.statements().bounds.get();
    return { first: row?.first ?? 0, last: this.seq };
  }

  subscribe(listener: (event: HubEvent) => void): () => void {
    return this.fanout.add(listener);
  }

  async getMeta(key: string): Promise<string | undefined> {
    return this.statements().getMeta.get(key)?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.statements().setMeta.run(key, value);
  }

  async countByState(): Promise<Partial<Record<ActivityState, number>>> {
    const counts: Partial<Record<ActivityState, number>> = {};
    for (const row of this.statements().countByState.all()) counts[row.state as ActivityState] = row.n;
    return counts;
  }

  async setMetaOnce(key: string, value: string): Promise<string> {
    const sql = this.statements();
    sql.setMetaOnce.run(key, value);
    return sql.getMeta.get(key)!.value;
  }

  async claimOnce(key: string, value: string, now: number, expiresAt: number): Promise<string> {
    const sql = this.statements();
    sql.dropClaims.run(now);
    sql.claim.run(key, value, expiresAt);
    return sql.getClaim.get(key)!.value;
  }

  private database(): Database {
    if (!this.db) throw new Error('the SQLite store is not open');
    return this.db;
  }

  private statements(): Statements {
    this.database();
    return this.sql!;
  }
}

function parseRow(row: ActivityRow): StoredActivity {
  const activity = JSON.parse(row.doc) as StoredActivity;
  activity.runner = row.runner;
  return activity;
}

/** Meta key: the last event `seq` when the store was closed with every row up to date. */
const ROWS_CURRENT = 'rows_current_through_seq';

/**
 * After a crash, rows may be behind the event log (see `rowsBehind`): applies each running
 * activity's latest logged state to its row. The log is read without the write lock; only a file
 * that needs it is written (each row only forward), so opening the file beside a running server,
 * as the CLI does to manage access, holds up that server's commits only after a crash.
 */
function replayEventsIntoRows(db: Database, sql: Statements): void {
  const rowSeq = new Map<string, number>();
  let oldest = Infinity;
  for (const { id, seq } of sql.runningSeqs.iterate()) {
    rowSeq.set(id, seq);
    oldest = Math.min(oldest, seq);
  }
  if (rowSeq.size === 0) return;
  const latest = new Map<string, { seq: number; activity: Activity }>();
  for (const { doc } of sql.eventsFrom.iterate(oldest)) {
    const event = JSON.parse(doc) as HubEvent;
    if (!('activity' in event) || (rowSeq.get(event.activity.id) ?? Infinity) >= event.seq) continue;
    latest.set(event.activity.id, { seq: event.seq, activity: event.activity });
  }
  if (latest.size === 0) return;
  db.transaction(() => {
    for (const [id, { seq, activity: a }] of latest) sql.replayRow.run(seq, a.state, a.endedAt, a.leaseExpiresAt, JSON.stringify(a), id, seq);
  })();
}

function migrate(db: Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}
