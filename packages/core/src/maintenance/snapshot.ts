import type { AbstractIterator } from 'abstract-level';
import { DURABLE, VIEW_VALUE, type Db } from '../db.js';
import { BatchOps } from '../batch-ops.js';
import { STAGED_RANGE } from '../encoding/keys.js';

/** Pairs of a snapshot, in key order, a few hundred at a time. */
export type SnapshotEntries = AsyncIterable<Array<[key: string, value: Uint8Array]>>;

/** A consistent copy of a store's applied data at one version, for a new replica to start from. */
export interface Snapshot {
  /** The version the copy holds: every entry up to it, nothing after. */
  version: number;
  /** Every key and value but staged uploads (no replica's own), read from one database snapshot. */
  entries: SnapshotEntries;
}

type Iterator = AbstractIterator<Db, string, Uint8Array>;

/** Opens the iterator a snapshot reads: it pins the database as it is now (an implicit snapshot). */
export function snapshotIterator(db: Db): Iterator {
  return db.iterator({ ...VIEW_VALUE, highWaterMarkBytes: 1 << 20 } as Parameters<Db['iterator']>[0]) as Iterator;
}

/** The pairs of `iterator`, skipping staged uploads; closes it at the end. */
export async function* snapshotEntries(iterator: Iterator): SnapshotEntries {
  try {
    for (;;) {
      const entries = await iterator.nextv(1000);
      if (entries.length === 0) return;
      const kept = entries.filter(([key]) => key < STAGED_RANGE.gte || key >= STAGED_RANGE.lt);
      if (kept.length > 0) yield kept;
      const last = entries[entries.length - 1]![0];
      // Seeking within one iterator keeps its snapshot.
      if (last >= STAGED_RANGE.gte && last < STAGED_RANGE.lt) iterator.seek(STAGED_RANGE.lt);
    }
  } finally {
    await iterator.close();
  }
}

/**
 * Writes a snapshot's pairs into `db` (open and empty), in bounded batches, each synced: LevelDB
 * closes a full log unsynced, so one synced write at the end would not make the others durable.
 */
export async function restoreEntries(db: Db, entries: SnapshotEntries): Promise<number> {
  const ops = new BatchOps(db);
  let written = 0;
  for await (const slice of entries) {
    const batch = db.batch();
    for (const [key, value] of slice) ops.bytes(batch, key, value);
    await batch.write(DURABLE);
    written += slice.length;
  }
  return written;
}
