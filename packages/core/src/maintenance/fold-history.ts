import type { Engine } from '../engine.js';
import { BatchOps } from '../batch-ops.js';
import { DURABLE, txnValue } from '../db.js';
import { AGGREGATES_RANGE, CHECKPOINT_WRITER, FOLDED_SOURCE, RETENTION_KEY, TXN_KEY, foldKey, historyKey, recordKey } from '../encoding/keys.js';
import { groupRecords, type GroupRecord } from './group-records.js';
import { encodeMonth, isReset, mergeRecord, type MonthAggregates } from '../encoding/record-codec.js';
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

  /**
   * Folds one group's records up to the horizon. The base goes where they were: into the history
   * when the head keeps a newer checkpoint (the history holds what the checkpoint supersedes), else
   * into the head, whose checkpoint, if any, is folded away with them.
   */
  const foldGroup = async (group: string, old: GroupRecord[], into: 'head' | 'history'): Promise<void> => {
    if (old.length === 0) return;
    const only = old.length === 1 ? old[0]![2] : undefined;
    // A group already folded to one base record has nothing to gain.
    if (only !== undefined && only.source === FOLDED_SOURCE && isReset(old[0]![1]) && index.isCommittedWriter(only.writer)) return;
    // Each source's own records, as some must stay apart: checkpoints (merged sources) are dropped.
    const filter = new VisibilityFilter(index, horizon, { checkpoints: false });
    const base: MonthAggregates = new Map();
    const apart = new Map<number, MonthAggregates>();
    for (const [key, value, record] of old) {
      if (filter.accept(record, value)) {
        let days = base;
        if (keepApart.has(record.source)) {
          days = apart.get(record.source) ?? new Map();
          apart.set(record.source, days);
        }
        mergeRecord(value, days, true);
      }
      writer.del(key);
      removed++;
    }
    const place = (key: string): string => (into === 'history' ? historyKey(key) : key);
    // Every older record is deleted here, so an empty base needs no reset to hide them.
    written += apart.size + (base.size > 0 ? 1 : 0);
    if (base.size > 0) writer.put(place(recordKey(group, horizon, txn, FOLDED_SOURCE, 0)), encodeMonth(true, base));
    for (const [source, days] of apart) writer.put(place(recordKey(group, horizon, txn, source, 0)), encodeMonth(false, days));
    await writer.boundary();
  };

  for await (const { group, records } of groupRecords(db, AGGREGATES_RANGE)) {
    // The writer lock is held, so a writer that never committed is a crashed commit's. A
    // checkpoint newer than the horizon stays: it is still the state at its epoch.
    const old = records.filter(([, , record]) => record.epoch <= horizon || (record.writer !== CHECKPOINT_WRITER && !index.isCommittedWriter(record.writer)));
    const kept = records.some(([key, , record]) => record.writer === CHECKPOINT_WRITER && record.epoch > horizon && key.startsWith('a'));
    await foldGroup(group, old, kept ? 'history' : 'head');
  }
  await writer.flush();
  return { foldedThrough: horizon, removed, written };
}
