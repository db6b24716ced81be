import type { Engine } from '../engine.js';
import { BatchOps } from '../batch-ops.js';
import { DURABLE, VIEW_VALUE, txnValue } from '../db.js';
import { AGGREGATES_RANGE, FOLDED_SOURCE, RETENTION_KEY, TXN_KEY, foldKey, parseRecordKey, recordKey } from '../encoding/keys.js';
import { encodeRecord, flatDays, isReset, mergeRecord, type MonthAggregates } from '../encoding/record-codec.js';
import { VisibilityFilter } from '../read/visible-records.js';
import { RecordWriter } from '../write/record-writer.js';
import type { FoldResult } from '../contract/results.js';

export type { FoldResult } from '../contract/results.js';

/**
 * Folds history up to version `horizon`: in every group, the records a read at `horizon` sees are
 * merged into one base record at that epoch, and everything older is deleted, along with debris of
 * crashed commits. Reads at `horizon` and later are unchanged; reads before it, and reverts of
 * batches committed up to it, are refused from the moment the horizon is raised. Each group is
 * replaced in one atomic write, so a concurrent read sees either its old or its new records, which
 * agree. Records of batches reverted after the horizon stay separate, as those reverts must still
 * show at the versions between. The caller holds the write lock.
 */
export async function foldHistory(engine: Engine, horizon: number): Promise<FoldResult> {
  const { db, index } = engine;
  const txn = engine.nextTxn();
  const setup = db.batch();
  const ops = new BatchOps(db);
  ops.json(setup, TXN_KEY, txnValue(txn));
  ops.json(setup, foldKey(txn), JSON.stringify({ version: horizon }));
  ops.json(setup, RETENTION_KEY, JSON.stringify({ foldedThrough: horizon }));
  await setup.write(DURABLE);
  index.addFold(txn, horizon);
  index.foldedThrough = horizon;

  const keepApart = index.sourcesRevertedAfter(horizon);
  const writer = new RecordWriter(db);
  let removed = 0;
  let written = 0;
  let group = '';
  let old: Array<[string, Uint8Array]> = [];

  const foldGroup = async (): Promise<void> => {
    if (old.length === 0) return;
    const only = old.length === 1 ? parseRecordKey(old[0]![0]) : undefined;
    // A group already folded to one base record has nothing to gain.
    if (only !== undefined && only.source === FOLDED_SOURCE && isReset(old[0]![1]) && index.isCommittedWriter(only.writer)) {
      old = [];
      return;
    }
    const filter = new VisibilityFilter(index, horizon);
    const base: MonthAggregates = new Map();
    const apart = new Map<number, MonthAggregates>();
    for (const [key, value] of old) {
      const record = filter.accept(key, value);
      if (record !== undefined) {
        let into = base;
        if (keepApart.has(record.source)) {
          into = apart.get(record.source) ?? new Map();
          apart.set(record.source, into);
        }
        mergeRecord(value, into);
      }
      writer.del(key);
      removed++;
    }
    // Every older record is deleted here, so an empty base needs no reset to hide them.
    written += apart.size + (base.size > 0 ? 1 : 0);
    if (base.size > 0) writer.put(recordKey(group, horizon, txn, FOLDED_SOURCE, 0), encodeRecord(true, flatDays(base)));
    for (const [source, days] of apart) writer.put(recordKey(group, horizon, txn, source, 0), encodeRecord(false, flatDays(days)));
    old = [];
    await writer.boundary();
  };

  const iterator = db.iterator({ ...AGGREGATES_RANGE, ...VIEW_VALUE });
  try {
    for (;;) {
      const entries = (await iterator.nextv(1000)) as Array<[string, Uint8Array]>;
      if (entries.length === 0) break;
      for (const [key, value] of entries) {
        const parsed = parseRecordKey(key);
        if (parsed.group !== group) {
          await foldGroup();
          group = parsed.group;
        }
        // The writer lock is held, so a writer that never committed is a crashed commit's.
        if (parsed.epoch <= horizon || !index.isCommittedWriter(parsed.writer)) old.push([key, value]);
      }
    }
    await foldGroup();
  } finally {
    await iterator.close();
  }
  await writer.flush();
  return { foldedThrough: horizon, removed, written };
}
