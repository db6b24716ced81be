import type { AbstractIterator, AbstractSnapshot } from 'abstract-level';
import type { Engine } from '../engine.js';
import { VIEW_VALUE, type Db } from '../db.js';
import { CHECKPOINT_WRITER, HISTORY_RANGE, type ParsedRecordKey } from '../encoding/keys.js';
import { isReset, mergeRecord, type MonthAggregates } from '../encoding/record-codec.js';
import { scanGroups } from './group-scanner.js';
import { VisibilityFilter } from './visible-records.js';

/** One group as read at one version. */
export interface GroupRead {
  days: MonthAggregates;
  /** Records merged. */
  records: number;
  /** With `keepHead`: every record of the group's head, newer than the version or not, visible or not. */
  head: Array<[string, Uint8Array, ParsedRecordKey]>;
  /** The epoch of the checkpoint in the head, or -1. */
  checkpoint: number;
  /** Whether a visible checkpoint or reset in the head superseded everything older. */
  cut: boolean;
}

export interface ReadGroupsRequest {
  /** The groups, sorted, each `a\0{A}\0{B}\0{YYYY-MM}`. */
  groups: readonly string[];
  version: number;
  /** An iterator over the head space holding the groups. */
  heads: AbstractIterator<Db, string, Uint8Array>;
  /** Whether `heads` covers exactly the groups, starting at the first (one pair's months): no seeks then. */
  contiguous: boolean;
  /** Entries per read of the heads, at first. */
  firstRead: number;
  keepHead?: boolean;
  /**
   * What `heads` reads from, and the history will too: a checkpoint may move records from one space
   * to the other meanwhile. Without one, the history is read as it is when it is needed: right for a
   * caller that holds the write lock, and for a database without explicit snapshots (which gets no
   * checkpoints, so no history).
   */
  snapshot?: AbstractSnapshot;
  /** Whether to merge the days' bins too (percentiles, checkpoints): reads without leave them undecoded. */
  sketches?: boolean;
}

/**
 * Reads groups at `version` in two steps. First their heads (the records no checkpoint superseded,
 * and the newest checkpoint): a group without a checkpoint holds all its records there, and one
 * whose checkpoint is visible at the version needs nothing else. Then, for the others (reads older
 * than the checkpoint, or after a revert of a batch it merged), the history, which holds only
 * records no newer than the head's checkpoint, so reading head then history keeps key order and
 * the filter's cuts hold across both.
 */
export async function readGroups(engine: Engine, request: ReadGroupsRequest): Promise<GroupRead[]> {
  const { index } = engine;
  const { groups, version } = request;
  const sketches = request.sketches === true;
  const reads: GroupRead[] = groups.map(() => ({ days: new Map(), records: 0, head: [], checkpoint: -1, cut: false }));
  const filter = new VisibilityFilter(index, version);
  await scanGroups({
    iterator: request.heads,
    space: 'head',
    positioned: request.contiguous,
    groups,
    firstRead: request.firstRead,
    visit: (at, key, record, value) => {
      const read = reads[at]!;
      if (request.keepHead === true) read.head.push([key, value, record]);
      if (record.writer === CHECKPOINT_WRITER) read.checkpoint = record.epoch;
      if (record.epoch > version || !filter.accept(record, value)) return;
      mergeRecord(value, read.days, sketches);
      read.records++;
      if (record.writer === CHECKPOINT_WRITER || isReset(value)) read.cut = true;
    }
  });
  // The history holds only records no newer than the head's checkpoint: a cut in the head supersedes them.
  const unsettled = reads.flatMap((read, at) => (read.checkpoint >= 0 && !read.cut ? [at] : []));
  if (unsettled.length > 0) {
    await readHistory(engine, unsettled.map((at) => groups[at]!), version, request.snapshot, (at, value) => {
      const read = reads[unsettled[at]!]!;
      mergeRecord(value, read.days, sketches);
      read.records++;
    });
  }
  return reads;
}

/** Entries per read of a history. It is read after a revert or at an older version only, and runs long. */
const HISTORY_READ = 64;

async function readHistory(engine: Engine, groups: string[], version: number, snapshot: AbstractSnapshot | undefined,
  visit: (at: number, value: Uint8Array) => void): Promise<void> {
  const { db, index } = engine;
  const iterator = db.iterator({ ...HISTORY_RANGE, ...VIEW_VALUE, highWaterMarkBytes: 1 << 20, ...(snapshot === undefined ? {} : { snapshot }) } as Parameters<Db['iterator']>[0]);
  try {
    await scanGroups({
      iterator: iterator as AbstractIterator<Db, string, Uint8Array>,
      space: 'history',
      groups,
      firstRead: HISTORY_READ,
      at: { filter: new VisibilityFilter(index, version), version },
      visit: (at, _key, _record, value) => visit(at, value)
    });
  } finally {
    await iterator.close();
  }
}
