import { IssueList } from '../errors.js';
import type { Engine } from '../engine.js';
import { txnValue } from '../db.js';
import { TXN_KEY, commitKey, portKey, recordKeySuffix, regionKey } from '../encoding/keys.js';
import { forEachPrice, packCode, unpackCode } from '../encoding/price-codec.js';
import { ancestorChains } from '../catalog/catalog.js';
import { applyRefs } from '../catalog/apply-refs.js';
import type { BatchEntry } from '../log/commit-log.js';
import type { Issue } from '../validate/items.js';
import type { BatchSource } from './batch-source.js';
import { PairAggregator, type EncodedRecord } from './pair-aggregator.js';
import { RecordWriter } from './record-writer.js';
import { rebuildRollups } from './rebuild-rollups.js';

export interface ApplyRequest {
  /** Problems already found in the items' formats; the batch is then checked, reported and refused. */
  issues?: IssueList;
  version: number;
  batchId: string;
  source: BatchSource;
  committedAt: string;
  /** Keys to delete in the same atomic write as the commit marker (the staged chunks). */
  deleteOnCommit: string[];
  /** Where the bad items are reported, e.g. "batch b1". */
  label: string;
}

/**
 * Applies a validated, ordered batch at exactly `version`: the seam a cluster mode replays committed
 * batches through. Records are written under a fresh transaction id, invisible to readers, in
 * bounded writes; the last of them also carries the marker (the commit log entry, reference data,
 * staged-chunk deletions) that makes the whole batch visible. A crash before that write leaves only
 * invisible debris.
 */
export async function applyBatch(engine: Engine, request: ApplyRequest): Promise<BatchEntry> {
  const { db, log, catalog, options } = engine;
  const issues = request.issues ?? new IssueList(options);
  const headView = catalog.headView();
  const refs = await request.source.refs();
  const nextView = applyRefs(headView, refs, issues);
  if (issues.count > 0) {
    await reportUnknownPorts(request, new Set([...nextView.ports.keys()].map(packCode)), issues);
    issues.throwIfAny(request.label);
  }

  const txn = engine.nextTxn();
  const writer = new RecordWriter(db);
  // The id goes into every record batch, atomically with the records it marks.
  writer.stamp(TXN_KEY, txnValue(txn));
  let part = 0;
  const writeRecords = async (records: Iterable<EncodedRecord>): Promise<void> => {
    if (issues.count > 0) return; // the batch will be rejected: write nothing more
    await writer.putRecords(records, recordKeySuffix(request.version, txn, txn, part++));
  };
  const nextChains = ancestorChains(nextView);
  const aggregator = new PairAggregator({ chains: nextChains, maxCells: options.maxCells, flush: writeRecords });

  let prices = 0;
  for await (const { chunk, bytes } of request.source.prices()) {
    await forEachPrice(bytes, (origin, destination, day, cents, index) => {
      prices++;
      const from = aggregator.portId(origin);
      const to = aggregator.portId(destination);
      if (from === undefined || to === undefined) {
        issues.addItem(index, reportedChunk(request, chunk), unknownPorts(from !== undefined, to !== undefined, origin, destination));
        return;
      }
      aggregator.add(from, to, day, 1, cents, cents, cents);
    });
    await aggregator.checkpoint();
  }
  issues.throwIfAny(request.label);
  await aggregator.finish();
  await rebuildRollups(engine, { writer, headView, nextChains, version: request.version, txn });
  const entry: BatchEntry = {
    kind: 'batch',
    version: request.version,
    txn,
    batchId: request.batchId,
    counts: { prices, ports: refs.filter((ref) => ref.kind === 'port').length, regions: refs.filter((ref) => ref.kind === 'region').length },
    committedAt: request.committedAt
  };
  // The marker rides with the last records: one synced write fewer, and still all or nothing.
  writer.putJson(commitKey(entry.version), JSON.stringify(entry));
  for (const ref of refs) {
    if (ref.kind === 'port') writer.putJson(portKey(ref.code, entry.version), JSON.stringify({ name: ref.name, region: ref.region }));
    else writer.putJson(regionKey(ref.slug, entry.version), JSON.stringify({ name: ref.name, parent: ref.parent }));
  }
  for (const key of request.deleteOnCommit) writer.del(key);
  await writer.flush();

  for (const ref of refs) catalog.add(entry.version, ref);
  log.add(entry);
  return entry;
}

/** The price-side check alone, for a batch already known to be refused: nothing is aggregated. */
async function reportUnknownPorts(request: ApplyRequest, ports: Set<number>, issues: IssueList): Promise<void> {
  for await (const { chunk, bytes } of request.source.prices()) {
    await forEachPrice(bytes, (origin, destination, _day, _cents, index) => {
      const originKnown = ports.has(origin);
      const destinationKnown = ports.has(destination);
      if (!originKnown || !destinationKnown) issues.addItem(index, reportedChunk(request, chunk), unknownPorts(originKnown, destinationKnown, origin, destination));
    });
  }
}

/** The problems of a price whose origin or destination, or both, is no known port. */
function unknownPorts(originKnown: boolean, destinationKnown: boolean, origin: number, destination: number): Issue[] {
  const problems: Issue[] = [];
  if (!originKnown) problems.push({ field: 'origin', code: 'RATESTORE_UNKNOWN_PORT', reason: `port ${unpackCode(origin)} does not exist` });
  if (!destinationKnown) problems.push({ field: 'destination', code: 'RATESTORE_UNKNOWN_PORT', reason: `port ${unpackCode(destination)} does not exist` });
  return problems;
}

/** The chunk an issue names: staged uploads name it, a one-call write gives the index in the whole batch. */
function reportedChunk(request: ApplyRequest, chunk: number): number | undefined {
  return request.source.reportChunks ? chunk : undefined;
}
