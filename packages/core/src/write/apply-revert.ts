import type { Engine } from '../engine.js';
import { DURABLE, txnValue } from '../db.js';
import { BatchOps } from '../batch-ops.js';
import { TXN_KEY, commitKey } from '../encoding/keys.js';
import type { AppliedBatch, AppliedRevert } from '../replica/log-index.js';

export interface ApplyRevertRequest {
  version: number;
  /** The batch to revert, committed and not reverted yet. */
  batch: AppliedBatch;
  committedAt: string;
}

/**
 * Reverts a batch at exactly `version`: one marker that hides the batch's records from that version
 * on. Its records stay, so reads at earlier versions still see them, and min and max stay exact.
 */
export async function applyRevert(engine: Engine, request: ApplyRevertRequest): Promise<AppliedRevert> {
  const entry: AppliedRevert = {
    kind: 'revert',
    version: request.version,
    txn: engine.nextTxn(),
    batchId: request.batch.batchId,
    revertedVersion: request.batch.version,
    committedAt: request.committedAt
  };
  const ops = new BatchOps(engine.db);
  const marker = engine.db.batch();
  ops.json(marker, commitKey(entry.version), JSON.stringify(entry));
  ops.json(marker, TXN_KEY, txnValue(entry.txn));
  await marker.write(DURABLE);
  engine.index.add(entry);
  return entry;
}
