import { IssueList, RatestoreError } from '../errors.js';
import type { Engine } from '../engine.js';
import { txnValue } from '../db.js';
import { TXN_KEY, commitKey, portKey, regionKey } from '../encoding/keys.js';
import { forEachPrice, packCode, unpackCode } from '../encoding/price-codec.js';
import { ancestorChains, type CatalogView } from '../catalog/catalog.js';
import { applyRefs, type LocatedRef } from '../catalog/apply-refs.js';
import type { AppliedBatch } from '../replica/log-index.js';
import type { BatchSource } from '../staging/batch-source.js';
import type { Issue } from '../validate/items.js';
import { aggregateHere, type AggregationRequest } from './aggregation/aggregate.js';
import { RecordWriter } from './record-writer.js';
import { recordParts } from './record-parts.js';
import { rebuildRollups } from './rebuild-rollups.js';

/** A batch that passed `checkBatch` at the state it is applied to. */
export interface CheckedBatch {
  refs: LocatedRef[];
  /** The catalog as the batch leaves it. */
  nextView: CatalogView;
}

/**
 * Every check that can refuse a batch, against the store's latest state: the ports and regions it
 * adds or changes, taken as a whole (a batch may name a region before the item that creates it),
 * and the ports its prices name. `issues` may already hold problems of the items' formats; all of
 * them are then reported together as `RATESTORE_INVALID_BATCH`. A batch with no items at all is
 * `RATESTORE_EMPTY_BATCH` (a price always names two ports, so no ports and no refs is no items).
 * Nothing is written.
 */
export async function checkBatch(engine: Engine, source: BatchSource, label: string, issues = new IssueList(engine.options)): Promise<CheckedBatch> {
  const refs = await source.refs();
  const nextView = applyRefs(engine.catalog.headView(), refs, issues);
  const known = new Set<number>();
  for (const code of nextView.ports.keys()) known.add(packCode(code));
  const ports = await source.ports();
  let unknownPort = false;
  for (const port of ports) if (!known.has(port)) unknownPort = true;
  if (issues.count > 0 || unknownPort) {
    await reportUnknownPorts(source, known, issues);
    issues.throwIfAny(label);
  }
  if (refs.length === 0 && ports.size === 0) throw new RatestoreError('RATESTORE_EMPTY_BATCH', `${label} has no items; nothing was committed`);
  return { refs, nextView };
}

export interface ApplyBatchRequest {
  version: number;
  batchId: string;
  source: BatchSource;
  committedAt: string;
  /** The caller's description of the request that made the batch, kept in its applied entry. */
  fingerprint: string | undefined;
  checked: CheckedBatch;
}

/**
 * Writes a checked batch at exactly `version`. Records are written under a fresh transaction id,
 * invisible to readers, in bounded writes; the last of them also carries the marker (the applied
 * entry, reference data, staged-chunk deletions) that makes the whole batch visible. A crash before
 * that write leaves only invisible debris.
 */
export async function applyBatch(engine: Engine, request: ApplyBatchRequest): Promise<AppliedBatch> {
  const { db, index, catalog, options } = engine;
  const { refs, nextView } = request.checked;
  const headView = catalog.headView();

  const txn = engine.nextTxn();
  const writer = new RecordWriter(db);
  // The id goes into every record batch, atomically with the records it marks.
  writer.stamp(TXN_KEY, txnValue(txn));
  const aggregation: AggregationRequest = {
    batchId: request.batchId,
    chains: ancestorChains(nextView),
    maxCells: options.maxCells,
    sketches: options.percentileSketches,
    flush: recordParts(engine, writer, request.version, txn, txn)
  };
  const prices = engine.aggregationWorkers === undefined
    ? await aggregateHere(request.source.prices(), aggregation)
    : await engine.aggregationWorkers.aggregate(request.source.prices(), aggregation);
  await rebuildRollups(engine, { writer, headView, nextChains: aggregation.chains, version: request.version, txn });
  const entry: AppliedBatch = {
    kind: 'batch',
    version: request.version,
    txn,
    batchId: request.batchId,
    counts: { prices, ports: refs.filter((ref) => ref.kind === 'port').length, regions: refs.filter((ref) => ref.kind === 'region').length },
    committedAt: request.committedAt,
    ...(request.fingerprint === undefined ? {} : { fingerprint: request.fingerprint })
  };
  // The marker rides with the last records: one synced write fewer, and still all or nothing.
  writer.putJson(commitKey(entry.version), JSON.stringify(entry));
  for (const ref of refs) {
    if (ref.kind === 'port') writer.putJson(portKey(ref.code, entry.version), JSON.stringify({ name: ref.name, region: ref.region }));
    else writer.putJson(regionKey(ref.slug, entry.version), JSON.stringify({ name: ref.name, parent: ref.parent }));
  }
  for (const key of (await request.source.stagedKeys?.()) ?? []) writer.del(key);
  await writer.flush();

  for (const ref of refs) catalog.add(entry.version, ref);
  index.add(entry);
  return entry;
}

/** The price-side check of a batch already known to be refused: every price naming an unknown port. */
async function reportUnknownPorts(source: BatchSource, known: Set<number>, issues: IssueList): Promise<void> {
  for await (const { chunk, bytes } of source.prices()) {
    await forEachPrice(bytes, (origin, destination, _day, _cents, index) => {
      const originKnown = known.has(origin);
      const destinationKnown = known.has(destination);
      if (!originKnown || !destinationKnown) issues.addItem(index, source.reportChunks ? chunk : undefined, unknownPorts(originKnown, destinationKnown, origin, destination));
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
