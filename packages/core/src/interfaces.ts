/**
 * The two sides of a store that its users depend on: the HTTP server, the embedded client and the
 * shared behaviour suite take these, not the `Ratestore` class, so that any arrangement of stores
 * (one store; a writer and a replica that follows its log; a cluster node) can stand behind them.
 */
import type { AddChunkResult, StagedBatchInfo } from './staging/staging.js';
import type { FoldResult } from './maintenance/fold-history.js';
import type {
  BatchInfo, BatchItem, CommitResult, Port, RatesQuery, RatesResult, Region, RegionChildren, RegionNode, RevertResult, VersionOptions
} from './types.js';

/** The lifecycle of a store: `open()` takes it from new to open, `close()` to closed. */
export type StoreStatus = 'new' | 'opening' | 'open' | 'closing' | 'closed';

/** Items of a batch: an array, an iterable or an async iterable (a Node stream works). */
export type BatchItems = Iterable<BatchItem> | AsyncIterable<BatchItem>;

export interface WriteOptions {
  /** Idempotency key: writing or committing the same id again returns the first result. Default: a random UUID. */
  batchId?: string;
  /**
   * An opaque description of the request that made the batch (a digest, say), 1-1024 characters,
   * kept with the batch in its log entry and returned by `batch()`: a caller that takes idempotency
   * keys from its own clients tells a retry of the same request from another request under the same
   * key. A function is called once every item has been read (a digest of streamed input). Ignored on
   * a replay.
   */
  fingerprint?: string | (() => string);
}

export interface CommitOptions {
  /** As `WriteOptions.fingerprint` (a string: a staged batch's items were read before). */
  fingerprint?: string;
  /**
   * Refuse the batch (RATESTORE_TOO_MANY_ITEMS, nothing written, the batch stays staged) if it holds
   * more items, counted under the commit's lock, so chunks still being added count too. Default: no limit.
   */
  maxItems?: number;
}

export interface AddChunkOptions {
  /** Chunk number; adding the same number again replaces that chunk. Default: one more than the highest so far. */
  chunk?: number;
}

export interface CompactOptions {
  /** Versions to keep readable and revertible. Default: the store's `retainVersions`. */
  retainVersions?: number;
}

export interface WaitOptions {
  /** How long to wait, in milliseconds. Default 5,000. */
  timeoutMs?: number;
}

/** Queries: every answer is read at one version, the latest or `asOf`. */
export interface RatestoreReader {
  readonly status: StoreStatus;
  /** The latest version applied; 0 for an empty store. */
  readonly version: number;
  /** The oldest version still readable with `asOf`. */
  readonly retainedFrom: number;
  rates(query: RatesQuery): Promise<RatesResult>;
  /** Throws what `rates(query)` would throw for a bad query, without reading any data. */
  checkRates(query: RatesQuery): void;
  ports(options?: VersionOptions): Port[];
  regions(options?: VersionOptions): Region[];
  port(code: string, options?: VersionOptions): Port | undefined;
  region(slug: string, options?: VersionOptions): Region | undefined;
  regionChildren(slug: string, options?: VersionOptions): RegionChildren | undefined;
  tree(options?: VersionOptions): RegionNode[];
  batches(): BatchInfo[];
  batch(batchId: string): BatchInfo | undefined;
  /** Resolves true once `version` is applied here (at once if it is), false after the timeout. */
  waitForVersion(version: number, options?: WaitOptions): Promise<boolean>;
}

/** A staged batch, by id. */
export interface StagedBatchHandle {
  readonly batchId: string;
  readonly created: boolean;
  add(items: BatchItems, options?: AddChunkOptions): Promise<AddChunkResult>;
  commit(options?: CommitOptions): Promise<CommitResult>;
  abort(): Promise<boolean>;
}

/** Writes: every change is a batch (or a revert of one) that lands whole at the next version, or not at all. */
export interface RatestoreWriter {
  write(items: BatchItems, options?: WriteOptions): Promise<CommitResult>;
  begin(batchId: string): Promise<StagedBatchHandle>;
  addChunk(batchId: string, items: BatchItems, options?: AddChunkOptions): Promise<AddChunkResult>;
  commit(batchId: string, options?: CommitOptions): Promise<CommitResult>;
  abort(batchId: string): Promise<boolean>;
  staged(batchId: string): Promise<StagedBatchInfo | undefined>;
  stagedBatches(): Promise<StagedBatchInfo[]>;
  revert(batchId: string): Promise<RevertResult>;
  compact(options?: CompactOptions): Promise<FoldResult>;
}
