import type { AffectedModel, IndexEntry } from '@activityd/protocol/types';
import { ValidationError } from '@activityd/protocol/errors';

/** At most this many entries in one recorded or indexed batch. */
export const MAX_FEED_BATCH = 10_000;
/** How far ahead of the server's clock a change's `at` may be. */
export const MAX_FUTURE_SKEW_MS = 60_000;

/** A change as a recorder reports it. */
export interface ChangeInput {
  model: string;
  id: string | number;
  action?: string;
  /** When it happened (epoch ms); default: the write time. */
  at?: number;
  /** Who may see it; default: the recorder's groups. */
  groups?: string[];
}

/** A flushed index batch for one document, as an indexer reports it. */
export interface IndexInput {
  model: string;
  id: string | number;
  affectedModels: Record<string, AffectedModel>;
  groups?: string[];
}

const bad = (index: number, message: string) => new ValidationError(`entry ${index}: ${message}`, { index });

function checkIdentity(e: { model?: unknown; id?: unknown }, i: number): void {
  if (typeof e.model !== 'string' || e.model.length === 0 || e.model.length > 200) throw bad(i, '`model` must be a non-empty string');
  const okId = (typeof e.id === 'string' && e.id.length > 0 && e.id.length <= 200) || (typeof e.id === 'number' && Number.isSafeInteger(e.id));
  if (!okId) throw bad(i, '`id` must be a string or an integer');
}

function checkTime(value: unknown, name: string, i: number, now: number): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw bad(i, `\`${name}\` must be epoch milliseconds`);
  if (value > now + MAX_FUTURE_SKEW_MS) throw bad(i, `\`${name}\` is more than ${MAX_FUTURE_SKEW_MS / 1000} s in the future`);
}

function checkBatch(entries: readonly unknown[]): void {
  if (entries.length === 0) throw new ValidationError('the batch is empty');
  if (entries.length > MAX_FEED_BATCH) throw new ValidationError(`at most ${MAX_FEED_BATCH} entries per batch`, { size: entries.length });
}

/** Checks a whole batch of changes; the first bad entry rejects all of it. */
export function checkChanges(changes: readonly ChangeInput[], now: number): void {
  checkBatch(changes);
  changes.forEach((c, i) => {
    checkIdentity(c, i);
    if (c.action !== undefined && (typeof c.action !== 'string' || c.action.length === 0 || c.action.length > 50)) throw bad(i, '`action` must be a short string');
    if (c.at !== undefined) checkTime(c.at, 'at', i, now);
  });
}

/** Checks a whole batch of index entries; the first bad entry rejects all of it. */
export function checkIndexEntries(entries: readonly IndexInput[], now: number): void {
  checkBatch(entries);
  entries.forEach((e, i) => {
    checkIdentity(e, i);
    const models = Object.entries(e.affectedModels ?? {});
    if (models.length === 0) throw bad(i, '`affectedModels` names no model');
    for (const [model, affected] of models) {
      const [first, last] = affected.timeRange ?? [];
      checkTime(first, `${model}.timeRange[0]`, i, now);
      checkTime(last, `${model}.timeRange[1]`, i, now);
      if (first! > last!) throw bad(i, `${model}.timeRange starts after it ends`);
      checkTime(affected.updated, `${model}.updated`, i, now);
    }
  });
}

/**
 * Folds a later batch into a document's entry: per model the earliest first, the latest last and
 * the latest `updated`; the root `updated` is the latest over all models; groups are the union.
 */
export function mergeIndexEntry(existing: IndexEntry | undefined, incoming: IndexEntry): IndexEntry {
  const affectedModels: Record<string, AffectedModel> = { ...existing?.affectedModels };
  for (const [model, next] of Object.entries(incoming.affectedModels)) {
    const prior = affectedModels[model];
    affectedModels[model] = prior
      ? { timeRange: [Math.min(prior.timeRange[0], next.timeRange[0]), Math.max(prior.timeRange[1], next.timeRange[1])], updated: Math.max(prior.updated, next.updated) }
      : { timeRange: [next.timeRange[0], next.timeRange[1]], updated: next.updated };
  }
  return {
    model: incoming.model,
    id: incoming.id,
    affectedModels,
    updated: Math.max(...Object.values(affectedModels).map((a) => a.updated)),
    owner: existing?.owner ?? incoming.owner,
    groups: [...new Set([...(existing?.groups ?? []), ...incoming.groups])],
  };
}
