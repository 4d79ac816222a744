import type { Redis } from 'ioredis';
import type { Activity, HubEvent } from '@activityd/protocol/types';
import { toPublic, type Logger } from '@activityd/core';
import { fetchVersions } from './fetch-activities.js';
import type { Keys } from './keys.js';
import type { LiveFields } from './activity-codec.js';
import { PlainScanner } from './plain-scan.js';
import type { Copy, RecentActivities } from './recent-activities.js';
import { LINES, decodeEntries, isEvent, isPlain, textEntries, type Entry, type PlainItem, type RawEntry, type StreamItem } from './stream-items.js';

/** A document a plain item can be built on; `runner` is `undefined` where the source does not say. */
interface Source {
  activity: Omit<Activity, 'seq'> & { seq?: number };
  runner: string | null | undefined;
}

/** The sources of one read's plain items, by position: their documents and runners. */
interface Sources {
  documents: Array<Source['activity'] | undefined>;
  runners: Array<Source['runner']>;
}

/** How many entries one look through the stream reads at a time. */
const SCAN_PAGE = 200;
/** Slots of the live reader's copies by document seq (a power of two; see `copyFor`). */
const BY_DOC_SLOTS = 4_096;

const docKey = (id: string, docSeq: number) => `${id}@${docSeq}`;

/**
 * Turns stream items into DESIGN §11 events: a plain item (only the live fields) becomes the whole
 * activity again, built on the document it names. Where that document comes from, first found wins:
 * a full item in the same read, this node's copy, the activity's hash (when its document is still
 * that one), the full item that wrote it (when the stream still holds it), or the `prev` of the
 * first full write after the plain item (which the stream holds whenever it holds the plain item).
 * Every node and every replay therefore builds the same event from the same item.
 */
export class EventRebuilder {
  private readonly scanner = new PlainScanner();
  /**
   * Copies the live reader found by the seq of their document, in slots by that seq's low bits: an
   * item then finds its copy without a string of its id (made and hashed per event, a lookup cost
   * about as much as rebuilding the event). A slot is only a hint: it is used when its copy is still
   * on that document and of that id — whose fields other than the live ones are then that document's.
   */
  private readonly byDoc = new Array<Copy | undefined>(BY_DOC_SLOTS).fill(undefined);
  /** The document seqs and runners of a read's events (fast path), reused from read to read. */
  private readonly docSeqs: number[] = [];
  private readonly runners: Array<string | null> = [];

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly recent: RecentActivities,
    private readonly logger: Logger,
  ) {}

  /**
   * The events of `items`, in order. With `keep`, this node's copies follow them (the live reader);
   * a replay of older events leaves them alone. Synchronous unless a document has to be fetched.
   */
  events(items: StreamItem[], keep: boolean): HubEvent[] | Promise<HubEvent[]> {
    const docs = documentsIn(items);
    // Every source is taken now. By position, not by a `id@seq` key: a string built and hashed per
    // event cost the reading node more than the lookups themselves; the map is for documents of
    // full items and fetches (rare).
    const sources: Sources = { documents: new Array<Source['activity'] | undefined>(items.length), runners: new Array<Source['runner']>(items.length) };
    const missing: PlainItem[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (!isPlain(item)) continue;
      const source = (docs.size > 0 ? docs.get(docKey(item.id, item.d)) : undefined) ?? this.recent.onDocument(item.id, item.d);
      if (!source) {
        missing.push(item);
        continue;
      }
      sources.documents[i] = source.activity;
      sources.runners[i] = source.runner;
    }
    if (missing.length === 0) return this.build(items, sources, docs, keep);
    // While a fetch is awaited, this node's writes may change its copies (in place): the documents
    // taken from them are copied first.
    for (let i = 0; i < items.length; i++) {
      const document = sources.documents[i];
      if (document) sources.documents[i] = { ...document };
    }
    return this.fetch(missing, docs).then(() => this.build(items, sources, docs, keep));
  }

  /**
   * The live reader's events of a read, after `after` (this node's copies follow them). A read of
   * plain items only, each on a document this node holds a copy of — the steady state of a busy
   * stream — is read from its bytes (see `PlainScanner`); any other is parsed as text and goes
   * through `events`. Either way the events are the same.
   */
  live(entries: readonly RawEntry[], after: number): HubEvent[] | Promise<HubEvent[]> {
    return this.plainRead(entries, after) ?? this.events(decodeEntries(textEntries(entries), after), true);
  }

  /** Forgets the copies found by document seq (when this node's copies are dropped). */
  forgetCopies(): void {
    this.byDoc.fill(undefined);
  }

  /** The events of a read of plain items only, each with a copy to build on; `null` otherwise. */
  private plainRead(entries: readonly RawEntry[], after: number): HubEvent[] | null {
    const scan = this.scanner;
    const events: HubEvent[] = [];
    const { docSeqs, runners } = this;
    // Nothing is kept until every item was read: a read that falls back is then parsed as if this
    // one had never started.
    for (const [, fields] of entries) {
      if (fields.length !== 2 || fields[0]!.length !== 1 || fields[0]![0] !== LINES_FIELD || !scan.start(fields[1]!)) return null;
      do {
        if (!scan.next()) return null;
        if (scan.seq <= after) continue;
        const copy = this.copyFor(scan);
        if (!copy) return null;
        const activity = withLive(copy.activity, scan.progress, scan.subtitle, scan.updatedAt, scan.leaseExpiresAt, scan.seq);
        docSeqs[events.length] = scan.d;
        runners[events.length] = copy.runner;
        events.push({ seq: scan.seq, type: 'activity.updated', at: scan.updatedAt, activity });
      } while (!scan.done);
    }
    for (let i = 0; i < events.length; i++) {
      const activity = (events[i] as { activity: Activity }).activity;
      this.recent.keep(activity, runners[i]!, docSeqs[i]!);
    }
    return events;
  }

  /** This node's copy on the document the scanned item names, found by that document's seq first. */
  private copyFor(scan: PlainScanner): Copy | undefined {
    const slot = scan.d & (BY_DOC_SLOTS - 1);
    const hint = this.byDoc[slot];
    if (hint && hint.docSeq === scan.d && scan.idIs(hint.activity.id)) return hint;
    const copy = this.recent.onDocument(scan.id(), scan.d);
    if (copy) this.byDoc[slot] = copy;
    return copy;
  }

  private build(items: StreamItem[], sources: Sources, docs: Map<string, Source>, keep: boolean): HubEvent[] {
    const events: HubEvent[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (isEvent(item)) {
        events.push(item.event);
      } else if (isPlain(item)) {
        const fetched = sources.documents[i] ? undefined : docs.get(docKey(item.id, item.d));
        const document = sources.documents[i] ?? fetched?.activity;
        if (!document) {
          // Only a Redis that lost data gets here: the item's document is nowhere.
          this.logger.error({ seq: item.seq, id: item.id, docSeq: item.d }, 'no document to rebuild an event from; skipped');
          continue;
        }
        const runner = fetched ? fetched.runner : sources.runners[i];
        const { live } = item;
        const activity = withLive(document, live.progress, live.subtitle, live.updatedAt, live.leaseExpiresAt, item.seq);
        events.push({ seq: item.seq, type: 'activity.updated', at: item.live.updatedAt, activity });
        if (keep && runner !== undefined) this.recent.keep(activity, runner, item.d);
      } else {
        events.push({ seq: item.seq, type: item.type, at: item.at, activity: item.activity });
        if (keep) this.recent.keep(item.activity, item.runner ?? null, item.seq);
      }
    }
    return events;
  }

  /** Finds the documents of `missing` in the hashes, then in the stream; adds them to `docs`. */
  private async fetch(missing: PlainItem[], docs: Map<string, Source>): Promise<void> {
    const ids = [...new Set(missing.map((item) => item.id))];
    for (const { activity, docSeq } of await fetchVersions(this.redis, this.keys, ids)) {
      docs.set(docKey(activity.id, docSeq), { activity: toPublic(activity), runner: activity.runner });
    }
    for (const item of missing) {
      if (!docs.has(docKey(item.id, item.d))) await this.fromStream(item, docs);
    }
  }

  /** The full item that wrote the document, or else the `prev` of the next full write after `item`. */
  private async fromStream(item: PlainItem, docs: Map<string, Source>): Promise<void> {
    const key = docKey(item.id, item.d);
    const writer = decodeEntries(await this.range(`${item.d}-0`, 1), item.d - 1)[0];
    if (writer?.seq === item.d && !isPlain(writer)) {
      // An entry of its own is an older writer's whole event, which does not name the runner.
      if (!isEvent(writer)) docs.set(key, { activity: writer.activity, runner: writer.runner ?? null });
      else if ('activity' in writer.event) docs.set(key, { activity: writer.event.activity, runner: undefined });
      return;
    }
    for (let from = `${item.seq}-0`; ;) {
      const entries = await this.range(from, SCAN_PAGE);
      for (const next of decodeEntries(entries, item.seq)) {
        if (isPlain(next) || isEvent(next) || next.activity.id !== item.id) continue;
        if (next.pseq === item.d && next.prev) docs.set(key, { activity: next.prev, runner: undefined });
        return;
      }
      if (entries.length < SCAN_PAGE) return;
      from = `(${entries.at(-1)![0]}`;
    }
  }

  private range(from: string, count: number): Promise<Entry[]> {
    return this.redis.xrange(this.keys.events, from, '+', 'COUNT', count) as Promise<Entry[]>;
  }
}

/**
 * The document with the live fields over it, at `seq`: field by field, in the order of `toPublic`
 * (a spread adding `seq` takes V8's slow path; about a sixth of a reading node's samples).
 */
function withLive(
  a: Source['activity'], progress: LiveFields['progress'], subtitle: LiveFields['subtitle'],
  updatedAt: LiveFields['updatedAt'], leaseExpiresAt: LiveFields['leaseExpiresAt'], seq: number,
): Activity {
  return {
    id: a.id, type: a.type, title: a.title, subtitle, state: a.state, progress,
    cancellable: a.cancellable, owner: a.owner, groups: a.groups, context: a.context, result: a.result,
    error: a.error, parentId: a.parentId, createdAt: a.createdAt, updatedAt, endedAt: a.endedAt,
    leaseExpiresAt, leaseMs: a.leaseMs, heartbeatMs: a.heartbeatMs, seq,
  };
}

const LINES_FIELD = LINES.charCodeAt(0);

/** The documents the full items of `items` carry, by activity and seq. */
function documentsIn(items: StreamItem[]): Map<string, Source> {
  const docs = new Map<string, Source>();
  for (const item of items) {
    if (isPlain(item) || isEvent(item)) continue;
    docs.set(docKey(item.activity.id, item.seq), { activity: item.activity, runner: item.runner ?? null });
    if (item.prev && item.pseq !== undefined) docs.set(docKey(item.activity.id, item.pseq), { activity: item.prev, runner: undefined });
  }
  return docs;
}
