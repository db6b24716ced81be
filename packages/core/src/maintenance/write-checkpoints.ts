import type { AbstractIterator } from 'abstract-level';
import type { Engine } from '../engine.js';
import { DURABLE, VIEW_VALUE, type Db } from '../db.js';
import { BatchOps } from '../batch-ops.js';
import { AGGREGATES_RANGE, CHECKPOINT_WRITER, checkpointKey, historyKey } from '../encoding/keys.js';
import { encodeMonth } from '../encoding/record-codec.js';
import { readGroups } from '../read/read-groups.js';

/**
 * Writes a checkpoint of each group (sorted): the group read at the latest version, merged into one
 * reset record in the head whose epoch is that version. Every other record of the group's head moves
 * to the history (the checkpoint it replaces is deleted, and so is debris of crashed commits), so
 * reads at that version and later read the checkpoint and the few records written after it, in one
 * dense range, however long the history (see VisibilityFilter for when a checkpoint holds). The
 * moved records stay: reads at older versions and reverts need each batch's own.
 *
 * Each group changes in one atomic write, so a crash leaves it as it was or with its checkpoint:
 * both read the same, so checkpoints need no transaction of their own. The caller holds the write
 * lock, so nothing is committed meanwhile. Returns how many checkpoints were written.
 */
export async function writeCheckpoints(engine: Engine, groups: readonly string[]): Promise<number> {
  const { db, index } = engine;
  const version = index.head;
  const heads = db.iterator({ ...AGGREGATES_RANGE, ...VIEW_VALUE, highWaterMarkBytes: 1 << 20 } as Parameters<Db['iterator']>[0]);
  let reads;
  try {
    reads = await readGroups(engine, {
      groups,
      version,
      heads: heads as AbstractIterator<Db, string, Uint8Array>,
      contiguous: false,
      firstRead: engine.checkpoints.firstRead,
      keepHead: true,
      // A checkpoint stands in for the records it merges, for percentiles too.
      sketches: true
    });
  } finally {
    await heads.close();
  }

  const ops = new BatchOps(db);
  const batch = db.batch();
  let written = 0;
  for (const [at, read] of reads.entries()) {
    const { head } = read;
    // A head of one record that holds (a checkpoint, or a group's only record) is as short as it gets.
    if (head.length < 2 && (read.checkpoint < 0 || read.cut)) continue;
    const key = checkpointKey(groups[at]!, version);
    ops.bytes(batch, key, encodeMonth(true, read.days));
    for (const [headKey, value, record] of head) {
      if (headKey === key) continue;
      ops.del(batch, headKey);
      if (record.writer !== CHECKPOINT_WRITER && index.isCommittedWriter(record.writer)) ops.bytes(batch, historyKey(headKey), value);
    }
    written++;
  }
  if (batch.length === 0) await batch.close();
  else await batch.write(DURABLE);
  return written;
}
