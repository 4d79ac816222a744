import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ActivityEvent, ActivityState, ChangeIndexEvent, ChangeModelEvent, HubEvent } from '@activityd/protocol/types';
import { indexKey, publicChange, publicIndexEntry, type StoredChange, type StoredIndexEntry } from '../feed/feed-types.js';
import { ValidationError } from '@activityd/protocol/errors';
import { toPublic, type StoredActivity } from '../activity.js';
import { EventFanout } from '../event-fanout.js';
import {
  decodeCursor, encodeCursor, matchesQuery,
  type ActivityPage, type ActivityQuery, type ActivityStore, type ActivityWrite,
} from '../store.js';
import { MIGRATIONS } from './migrations/index.js';
import { SqliteAccessStore } from './sqlite-access-store.js';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** The database file; its folder is created if missing. `:memory:` works for tests. */
  filename: string;
  /** How many events the log keeps (default 10,000). */
  eventLogSize?: number;
}

type Statements = ReturnType<typeof prepare>;

function prepare(db: Database.Database) {
  return {
    seqOf: db.prepare<[string], { seq: number }>('SELECT seq FROM activities WHERE id = ?'),
    upsert: db.prepare(`INSERT INTO activities (id, seq, state, parent_id, runner, created_at, ended_at, lease_expires_at, doc)
      VALUES (@id, @seq, @state, @parentId, @runner, @createdAt, @endedAt, @leaseExpiresAt, @doc)
      ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, state = excluded.state, ended_at = excluded.ended_at,
        lease_expires_at = excluded.lease_expires_at, doc = excluded.doc`),
    appendEvent: db.prepare('INSERT INTO events (seq, doc) VALUES (?, ?)'),
    trimEvents: db.prepare('DELETE FROM events WHERE seq <= ?'),
    get: db.prepare<[string], { doc: string }>('SELECT doc FROM activities WHERE id = ?'),
    lapsed: db.prepare<[number, number], { doc: string }>(
      `SELECT doc FROM activities WHERE state = 'running' AND lease_expires_at <= ? AND runner IS NULL LIMIT ?`),
    inProcess: db.prepare<[number], { doc: string }>(
      `SELECT doc FROM activities WHERE state = 'running' AND runner IS NOT NULL LIMIT ?`),
    remote: db.prepare<[string, number], { doc: string }>(
      `SELECT doc FROM activities WHERE state = 'running' AND runner IS NULL AND id > ? ORDER BY id LIMIT ?`),
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
  };
}

/**
 * The embedded default: one SQLite file (better-sqlite3, WAL, `synchronous=NORMAL`). Each write is
 * its own transaction, committed before `write` resolves, so an acknowledged change survives a
 * killed process (not a power cut).
 * @example
 * const store = new SqliteStore({ filename: '.activityd/activityd.db' });
 */
export class SqliteStore implements ActivityStore {
  private db: Database.Database | null = null;
  /** Access records in the same file. */
  readonly access = new SqliteAccessStore(() => this.database());
  private sql: Statements | null = null;
  private readonly fanout = new EventFanout();
  private readonly eventLogSize: number;
  private seq = 0;
  private sinceTrim = 0;
  private writeTx: ((change: ActivityWrite) => ActivityEvent | null) | null = null;

  constructor(private readonly options: SqliteStoreOptions) {
    this.eventLogSize = options.eventLogSize ?? 10_000;
  }

  async open(): Promise<void> {
    if (this.db) return;
    if (this.options.filename !== ':memory:') mkdirSync(dirname(this.options.filename), { recursive: true });
    const db = new Database(this.options.filename);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    const sql = prepare(db);
    this.seq = sql.bounds.get()?.last ?? 0;
    this.writeTx = db.transaction((change: ActivityWrite) => this.writeNow(sql, change));
    this.db = db;
    this.sql = sql;
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
    this.sql = null;
  }

  async write(change: ActivityWrite): Promise<ActivityEvent | null> {
    this.statements();
    const seqBefore = this.seq;
    try {
      const event = this.writeTx!(change);
      if (event) this.fanout.emit(event);
      return event;
    } catch (error) {
      this.seq = seqBefore; // the transaction rolled back: so does the counter
      throw error;
    }
  }

  private writeNow(sql: Statements, change: ActivityWrite): ActivityEvent | null {
    const current = sql.seqOf.get(change.activity.id);
    if (change.expectSeq === null ? current : current?.seq !== change.expectSeq) return null;
    const seq = this.seq + 1;
    const stored: StoredActivity = { ...change.activity, seq };
    sql.upsert.run({
      id: stored.id, seq, state: stored.state, parentId: stored.parentId, runner: stored.runner, createdAt: stored.createdAt,
      endedAt: stored.endedAt, leaseExpiresAt: stored.leaseExpiresAt, doc: JSON.stringify(stored),
    });
    return this.appendEvent(sql, { seq, type: change.type, at: stored.updatedAt, activity: toPublic(stored) });
  }

  /** Appends an event whose `seq` is the next one; call inside a transaction. */
  private appendEvent<E extends HubEvent>(sql: Statements, event: E): E {
    sql.appendEvent.run(event.seq, JSON.stringify(event));
    if (++this.sinceTrim >= 1_000) {
      sql.trimEvents.run(event.seq - this.eventLogSize);
      this.sinceTrim = 0;
    }
    this.seq = event.seq;
    return event;
  }

  async appendChanges(changes: StoredChange[]): Promise<ChangeModelEvent[]> {
    const sql = this.statements();
    const events = this.database().transaction(() => changes.map((c) => {
      const seq = this.seq + 1;
      sql.insertChange.run(seq, c.writtenAt, JSON.stringify(c));
      return this.appendEvent(sql, { seq, type: 'change.model' as const, at: c.writtenAt, change: publicChange(c) });
    }));
    const seqBefore = this.seq;
    try {
      const appended = events();
      for (const e of appended) this.fanout.emit(e);
      return appended;
    } catch (error) {
      this.seq = seqBefore;
      throw error;
    }
  }

  async getIndexEntry(model: string, id: string | number): Promise<StoredIndexEntry | undefined> {
    const row = this.statements().getIndex.get(indexKey(model, id));
    return row ? (JSON.parse(row.doc) as StoredIndexEntry) : undefined;
  }

  async writeIndexEntry(entry: Omit<StoredIndexEntry, 'seq'>, expectSeq: number | null): Promise<ChangeIndexEvent | null> {
    const sql = this.statements();
    const key = indexKey(entry.model, entry.id);
    const seqBefore = this.seq;
    try {
      const event = this.database().transaction(() => {
        if ((sql.indexSeq.get(key)?.seq ?? null) !== expectSeq) return null;
        const stored: StoredIndexEntry = { ...entry, seq: this.seq + 1 };
        sql.upsertIndex.run(key, stored.seq, stored.writtenAt, JSON.stringify(stored));
        return this.appendEvent(sql, { seq: stored.seq, type: 'change.index' as const, at: stored.writtenAt, change: publicIndexEntry(stored) });
      })();
      if (event) this.fanout.emit(event);
      return event;
    } catch (error) {
      this.seq = seqBefore;
      throw error;
    }
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

  async get(id: string): Promise<StoredActivity | undefined> {
    const row = this.statements().get.get(id);
    return row ? (JSON.parse(row.doc) as StoredActivity) : undefined;
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
    const text = `SELECT doc FROM activities ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC`;
    const activities: StoredActivity[] = [];
    let more = false;
    for (const row of db.prepare<unknown[], { doc: string }>(text).iterate(...params)) {
      const a = JSON.parse(row.doc) as StoredActivity;
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
    return this.statements().lapsed.all(now, limit).map(parseDoc);
  }

  async runningInProcess(limit: number): Promise<StoredActivity[]> {
    return this.statements().inProcess.all(limit).map(parseDoc);
  }

  async runningRemote(limit: number, afterId = ''): Promise<StoredActivity[]> {
    return this.statements().remote.all(afterId, limit).map(parseDoc);
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

  private database(): Database.Database {
    if (!this.db) throw new Error('the SQLite store is not open');
    return this.db;
  }

  private statements(): Statements {
    this.database();
    return this.sql!;
  }
}

function parseDoc(row: { doc: string }): StoredActivity {
  return JSON.parse(row.doc) as StoredActivity;
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  for (let i = version; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}
