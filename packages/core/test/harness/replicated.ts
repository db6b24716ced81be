/**
 * The two-store harness: a writer and a reader, each with its own database, sharing one commit log
 * (the in-memory double of cluster mode's PostgreSQL log). Everything is written through the writer
 * and read through the reader, which applies the writer's entries as its log hands them over; each
 * write waits until the reader has applied it (read-your-writes), then reads see it.
 */
import { setImmediate as turn } from 'node:timers/promises';
import {
  Ratestore, StagedBatch, type AddChunkOptions, type AddChunkResult, type BatchInfo, type BatchItems, type CommitResult, type CompactOptions,
  type FoldResult, type Port, type RatesQuery, type RatesResult, type Region, type RegionChildren, type RegionNode, type RevertResult,
  type StagedBatchInfo, type StoreStatus, type VersionOptions, type WaitOptions, type WriteOptions
} from '../../src/index.js';
import type { Backend } from '../backends.js';
import type { StoreFactory, StoreOptions, SuiteStore } from '../stores.js';
import { SharedMemoryLog } from './shared-log.js';

/** How long the harness waits for the reader to apply a write or a fold. */
const SETTLE_MS = 10_000;

export class ReplicatedStores implements SuiteStore {
  constructor(readonly log: SharedMemoryLog, readonly writer: Ratestore, readonly reader: Ratestore) {}

  get status(): StoreStatus {
    return this.reader.status;
  }

  get version(): number {
    return this.reader.version;
  }

  get retainedFrom(): number {
    return this.reader.retainedFrom;
  }

  // Writes go through the writer; each waits for the reader to apply what it did.

  write(items: BatchItems, options?: WriteOptions): Promise<CommitResult> {
    return this.#settled(this.writer.write(items, options));
  }

  async begin(batchId: string): Promise<StagedBatch> {
    const batch = await this.writer.begin(batchId);
    return new StagedBatch(this, batchId, batch.created);
  }

  addChunk(batchId: string, items: BatchItems, options?: AddChunkOptions): Promise<AddChunkResult> {
    return this.writer.addChunk(batchId, items, options);
  }

  commit(batchId: string): Promise<CommitResult> {
    return this.#settled(this.writer.commit(batchId));
  }

  abort(batchId: string): Promise<boolean> {
    return this.writer.abort(batchId);
  }

  /** Staging belongs to the store that was written to. */
  staged(batchId: string): Promise<StagedBatchInfo | undefined> {
    return this.writer.staged(batchId);
  }

  stagedBatches(): Promise<StagedBatchInfo[]> {
    return this.writer.stagedBatches();
  }

  revert(batchId: string): Promise<RevertResult> {
    return this.#settled(this.writer.revert(batchId));
  }

  compact(options?: CompactOptions): Promise<FoldResult> {
    return this.#settled(this.writer.compact(options));
  }

  // Reads go to the reader.

  rates(query: RatesQuery): Promise<RatesResult> {
    return this.reader.rates(query);
  }

  ports(options?: VersionOptions): Port[] {
    return this.reader.ports(options);
  }

  regions(options?: VersionOptions): Region[] {
    return this.reader.regions(options);
  }

  port(code: string, options?: VersionOptions): Port | undefined {
    return this.reader.port(code, options);
  }

  region(slug: string, options?: VersionOptions): Region | undefined {
    return this.reader.region(slug, options);
  }

  regionChildren(slug: string, options?: VersionOptions): RegionChildren | undefined {
    return this.reader.regionChildren(slug, options);
  }

  tree(options?: VersionOptions): RegionNode[] {
    return this.reader.tree(options);
  }

  batches(): BatchInfo[] {
    return this.reader.batches();
  }

  batch(batchId: string): BatchInfo | undefined {
    return this.reader.batch(batchId);
  }

  waitForVersion(version: number, options?: WaitOptions): Promise<boolean> {
    return this.reader.waitForVersion(version, options);
  }

  /** Closes both, once the reader has applied everything (a fold in the background included). */
  async close(): Promise<void> {
    if (this.writer.status === 'open' && this.reader.status === 'open') await this.#settle();
    await this.writer.close();
    await this.reader.close();
  }

  async #settled<T>(write: Promise<T>): Promise<T> {
    try {
      return await write;
    } finally {
      await this.#settle();
    }
  }

  /** Waits until the reader has applied the log's head and folded to its horizon. */
  async #settle(): Promise<void> {
    const head = this.log.head;
    if (!(await this.reader.waitForVersion(head, { timeoutMs: SETTLE_MS }))) throw new Error(`the reader did not apply version ${head} within ${SETTLE_MS} ms`);
    const deadline = Date.now() + SETTLE_MS;
    while (this.reader.retainedFrom < this.log.horizon.foldedThrough || this.writer.retainedFrom < this.log.horizon.foldedThrough) {
      if (Date.now() > deadline) throw new Error(`the stores did not fold to ${this.log.horizon.foldedThrough} within ${SETTLE_MS} ms`);
      await turn();
    }
  }
}

/**
 * The harness on `backend`: each arrangement gets a fresh log and two fresh databases; reopening
 * opens both stores again on the same databases and log (the reader catches up from the log).
 */
export function replicatedStores(backend: Backend): StoreFactory<ReplicatedStores> {
  const opened: ReplicatedStores[] = [];
  const start = async (log: SharedMemoryLog, writerDb: Ratestore['db'], readerDb: Ratestore['db'], options: StoreOptions): Promise<ReplicatedStores> => {
    const writer = new Ratestore({ ...options, db: writerDb, log: log.connect() });
    const reader = new Ratestore({ ...options, db: readerDb, log: log.connect() });
    const stores = new ReplicatedStores(log, writer, reader);
    opened.push(stores);
    await writer.open();
    await reader.open();
    return stores;
  };
  const reopen = backend.reopen;
  return {
    name: `${backend.name}, written through one store and read through another`,
    open: (options = {}) => start(new SharedMemoryLog({ retainVersions: options.retainVersions ?? Infinity }), backend.create(), backend.create(), options),
    ...(reopen === undefined ? {} : {
      async reopen(stores: ReplicatedStores, options: StoreOptions = {}) {
        await stores.close();
        return start(stores.log, reopen(stores.writer.db), reopen(stores.reader.db), options);
      }
    }),
    async cleanup() {
      for (const stores of opened.splice(0)) await stores.close();
      backend.cleanup();
    }
  };
}
