import type { Engine } from '../engine.js';
import { recordKeySuffix } from '../encoding/keys.js';
import type { EncodedPart } from './pair-aggregator.js';
import type { RecordWriter } from './record-writer.js';

/**
 * The `flush` of an aggregation whose records belong to (version, txn) on behalf of batch `source`
 * (a commit's own txn, or the batch whose records a rebuild re-aggregates): each part is noted for
 * the checkpoints, then put under its records' keys, parts numbered from 0 as they come.
 */
export function recordParts(engine: Engine, writer: RecordWriter, version: number, txn: number, source: number): (part: EncodedPart) => Promise<void> {
  let part = 0;
  return (records) => {
    engine.checkpoints.written(records);
    return writer.putPart(records, recordKeySuffix(version, txn, source, part++));
  };
}
