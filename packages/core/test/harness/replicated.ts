/**
 * The replicated harness: a writer and readers, each with its own database, sharing one commit log
 * (here the in-memory double of cluster mode's PostgreSQL log; the cluster tests use PostgreSQL's).
 * Everything is written through the writer and read through the readers in turn, which apply the
 * writer's entries as their log hands them over; each write waits until every reader has applied it
 * (read-your-writes), then reads see it.
 */
import { setImmediate as turn } from 'node:timers/promises';
import {
  Ratestore, StagedBatch, type CommitLog, type AddChunkOptions, type AddChunkResult, type BatchInfo, type BatchItems, type CommitOptions, type CommitResult, type CompactOptions,
  type FoldResult, type Port, type RatesQuery, type RatesResult, type Region, type RegionChildren, type RegionNode, type RevertResult,
  type StagedBatchInfo, type StoreStatus, type VersionOptions, type WaitOptions, type WriteOptions
} from '../../src/index.js';
import type { Backend } from '../backends.js';
import type { RatestoreOptions } from '../../src/index.js';
import type { StoreFactory, StoreOptions, SuiteStore } from '../stores.js';
import { SharedMemoryLog } from './shared-log.js';

/** How long the harness waits for the reader to apply a write or a fold. */
const SETTLE_MS = 10_000;

export class ReplicatedStores implements SuiteStore {
  #next = 0;

  /** `log` is any store's handle on the shared log: it tells the head and the horizon to wait for. */
  constructor(readonly log: CommitLog, readonly writer: Ratestore, readonly readers: readonly Ratestore[]) {}

  /** The store the next read goes to: the readers in turn. */
  get reader(): Ratestore {
    return this.readers[this.#next++ % this.readers.length]!;
  }

  get stores(): Ratestore[] {
    return [this.writer, ...this.readers];
  }

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

  commit(batchId: string, options?: CommitOptions): Promise<CommitResult> {
    return this.#settled(this.writer.commit(batchId, options));
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

  checkRates(query: RatesQuery): void {
    this.reader.checkRates(query);
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

  /** Closes every store, once the readers have applied everything (a fold in the background included). */
  async close(): Promise<void> {
    if (this.stores.every((store) => store.status === 'open')) await this.#settle();
    for (const store of this.stores) await store.close();
  }

  async #settled<T>(write: Promise<T>): Promise<T> {
    try {
      return await write;
    } finally {
      await this.#settle();
    }
  }

  /** Waits until every store has applied the log's head and taken its horizon. */
  async #settle(): Promise<void> {
    const head = await this.log.head();
    const { foldedThrough } = await this.log.retention();
    for (const store of this.stores) {
      if (!(await store.waitForVersion(head, { timeoutMs: SETTLE_MS }))) throw new Error(`a store did not apply version ${head} within ${SETTLE_MS} ms`);
    }
    const deadline = Date.now() + SETTLE_MS;
    while (this.stores.some((store) => store.retainedFrom < foldedThrough)) {
      if (Date.now() > deadline) throw new Error(`the stores did not take the horizon ${foldedThrough} within ${SETTLE_MS} ms`);
      await turn();
    }
  }
}

/** What a replicated factory needs: a shared log per arrangement, and a handle on it per store. */
export interface SharedLogProvider<L> {
  /** A fresh log for a new arrangement (with the options' retention). */
  create(options: StoreOptions): Promise<L>;
  /** A store's handle on `log`, and the staging it shares with the others, if any. */
  connect(log: L): Promise<Pick<RatestoreOptions, 'log' | 'staging'>>;
  /** Called once per arrangement when the test is over. */
  dispose?(log: L): Promise<void>;
}

/**
 * A writer and `readers` readers on fresh databases of `backend` and a fresh shared log per
 * arrangement; reopening opens every store again on the same databases and log (the readers
 * catch up from the log).
 */
export function replicatedFactory<L>(name: string, backend: Backend, provider: SharedLogProvider<L>, readers = 1): StoreFactory<ReplicatedStores> {
  const opened: Array<{ stores: ReplicatedStores; log: L }> = [];
  const start = async (log: L, dbs: Array<Ratestore['db']>, options: StoreOptions): Promise<ReplicatedStores> => {
    const connections = await Promise.all(dbs.map(() => provider.connect(log)));
    const [writer, ...others] = dbs.map((db, i) => new Ratestore({ ...options, db, ...connections[i] }));
    const stores = new ReplicatedStores(connections[0]!.log!, writer!, others);
    opened.push({ stores, log });
    for (const store of stores.stores) await store.open();
    return stores;
  };
  const reopen = backend.reopen;
  return {
    name,
    open: async (options = {}) => start(await provider.create(options), Array.from({ length: readers + 1 }, () => backend.create()), options),
    ...(reopen === undefined ? {} : {
      async reopen(stores: ReplicatedStores, options: StoreOptions = {}) {
        await stores.close();
        const log = opened.find((arrangement) => arrangement.stores === stores)!.log;
        return start(log, stores.stores.map((store) => reopen(store.db)), options);
      }
    }),
    async cleanup() {
      const logs = new Set<L>();
      for (const { stores, log } of opened.splice(0)) {
        await stores.close();
        logs.add(log);
      }
      for (const log of logs) await provider.dispose?.(log);
      backend.cleanup();
    }
  };
}

/** The two-store harness on `backend`: a writer and a reader sharing an in-memory log. */
export function replicatedStores(backend: Backend): StoreFactory<ReplicatedStores> {
  return replicatedFactory(`${backend.name}, written through one store and read through another`, backend, {
    create: async (options) => new SharedMemoryLog({ retainVersions: options.retainVersions ?? Infinity }),
    connect: async (log: SharedMemoryLog) => ({ log: log.connect() })
  });
}
