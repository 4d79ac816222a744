import type { IndexEntry, ModelChange } from '@activityd/protocol/types';

/** A `modelChanges` entry as the store keeps it: with the server's write time, which retention and `since` use. */
export interface StoredChange extends ModelChange {
  writtenAt: number;
}

/** A `modelChangesES` entry as the store keeps it; `seq` is the event of its latest write (its version). */
export interface StoredIndexEntry extends IndexEntry {
  writtenAt: number;
  seq: number;
}

/** The wire form of a stored change. */
export function publicChange({ writtenAt: _w, ...change }: StoredChange): ModelChange {
  return change;
}

/** The wire form of a stored index entry. */
export function publicIndexEntry({ writtenAt: _w, seq: _s, ...entry }: StoredIndexEntry): IndexEntry {
  return entry;
}

/** The key of an index entry: its model and its id, with the id's JSON type (1 and "1" differ). */
export function indexKey(model: string, id: string | number): string {
  return `${model}\u0000${typeof id === 'number' ? 'n' : 's'}${id}`;
}
