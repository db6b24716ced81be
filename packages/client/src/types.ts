/**
 * Public types of the client: what goes in and what comes back. They are the same for the remote
 * client and the embedded one. Members are camelCase; days are `YYYY-MM-DD` strings.
 *
 * Results are the contract's (`@ratestore/core/contract`): what the server's answers read back as.
 * Items are core's own types. Both are imported for types only: the imports are erased at build
 * time, so the remote client's code never loads the engine.
 *
 * @module
 */

import type { BatchItem } from '@ratestore/core';
import type { CommitResult, Port, RatesResult, Rate, Region, RegionDetail, RegionNode, BatchInfo, RevertResult, UploadStatus } from '@ratestore/core/contract';

export type { PriceItem, PortItem, RegionItem, BatchItem } from '@ratestore/core';
export type {
  BatchCounts, BatchInfo, CommitResult, Port, Rate, RateRow, RatesResult, Region, RegionDetail, RegionNode, RevertResult, UploadStatus
} from '@ratestore/core/contract';

/** Options every call accepts. */
export interface RequestOptions {
  /** Cancels the call: it rejects with a {@link RatestoreClientError} of code `RATESTORE_ABORTED`. */
  signal?: AbortSignal;
  /**
   * Reads only: answer once the server has applied this data version (`min_version`), e.g. the
   * version a write returned, read through another node of a cluster. The server waits for it up to
   * its `cluster.waitMs`, then answers 503 `RATESTORE_NOT_CAUGHT_UP`, which the client retries.
   */
  minVersion?: number;
}

/**
 * The items of an upload: an array, any iterable, any async iterable, or a Node readable stream in
 * object mode (Node streams are async iterables). They are read once, in order, as the upload goes.
 */
export type UploadItems = Iterable<BatchItem> | AsyncIterable<BatchItem>;

/** The query of {@link RatestoreApi.rates}: the original API's four parameters. */
export interface RatesQuery extends RequestOptions {
  /** First day, `YYYY-MM-DD`. */
  dateFrom: string;
  /** Last day, `YYYY-MM-DD`, inclusive. */
  dateTo: string;
  /** Port code or region slug (regions include every port beneath them). */
  origin: string;
  /** Port code or region slug. */
  destination: string;
}

/** The query of {@link RatestoreApi.ratesDetailed}. */
export interface DetailedRatesQuery extends RatesQuery {
  /** Days with fewer prices than this get a null average. Default 3. */
  minCount?: number;
  /** Read as of this data version instead of the latest. */
  asOf?: number;
  /**
   * Widen a thin lane to parent regions until some day reaches `minCount` prices (see the engine's
   * `widen`); the answer's `originUsed` and `destinationUsed` name what it used. Default false.
   */
  widen?: boolean;
  /**
   * Percentiles of each day's prices to answer beside the average: 1 to 9 distinct numbers, each
   * above 0 and below 100 (`[25, 50, 75]`). Each row then has `percentiles: { p25, p50, p75 }`, in
   * USD, null where the average is. Anything else fails as the server refuses it:
   * `RATESTORE_INVALID_PARAMETER`, status 400, field `percentiles`.
   */
  percentiles?: number[];
}

/** Options of reads that can look at an earlier version. */
export interface ReadOptions extends RequestOptions {
  /** Read as of this data version instead of the latest. */
  asOf?: number;
}

/** What {@link RatestoreApi.uploadBatch} resolves to. */
export type UploadResult = CommitResult;

/** What the progress callback of {@link RatestoreApi.uploadBatch} receives. */
export interface UploadProgress {
  /** The upload's batch id (given or generated). */
  batchId: string;
  /** `uploading` while chunks go out, `committing` once all are acknowledged, `committed` at the end. */
  phase: 'uploading' | 'committing' | 'committed';
  /** Items sent in this call, including those of chunks not yet acknowledged. */
  itemsSent: number;
  /** Items the store holds: those of acknowledged chunks and of chunks held from an earlier attempt. */
  itemsAcknowledged: number;
  /** Chunks sent in this call (a chunk sent again after a failure counts once). */
  chunksSent: number;
  /** Chunks the store holds, including skipped ones. */
  chunksAcknowledged: number;
  /** Chunks not sent because the store already held them from an earlier, interrupted attempt. */
  chunksSkipped: number;
}

/** Options of {@link RatestoreApi.uploadBatch}. */
export interface UploadOptions extends RequestOptions {
  /**
   * Names the batch and makes the whole upload idempotent: uploading the same id again returns the
   * first result and writes nothing; an interrupted upload with this id resumes where the store
   * stopped acknowledging. Up to 128 characters of `A-Z a-z 0-9 . _ : -`. Default: a random UUID.
   */
  batchId?: string;
  /**
   * Items per chunk. A batch of at most this many items goes in one request; a larger one goes
   * through a staged upload in chunks of this size. Resuming an upload needs the same chunk size
   * and the same items. Default 10,000.
   */
  chunkSize?: number;
  /** Chunks in flight at once (bounded: at most `concurrency + 1` chunks are in memory). Default 3. */
  concurrency?: number;
  /** Called as chunks are sent and acknowledged, and at commit. Exceptions it throws are ignored. */
  onProgress?: (progress: UploadProgress) => void;
  /**
   * Cancels the upload: it rejects with `RATESTORE_ABORTED` and what was staged is discarded (best
   * effort). A batch whose final request (the single request of a small batch, or the commit) was
   * already sent may still commit; `batch(batchId)` tells.
   */
  signal?: AbortSignal;
}

/**
 * The interface both clients implement: {@link RatestoreClient} over HTTP and
 * `EmbeddedRatestoreClient` (from `@ratestore/client/embedded`) over an in-process store. Code
 * written against it runs on either.
 */
export interface RatestoreApi {
  /** The original rates API: one entry per day of the range, integer averages, null below 3 prices. */
  rates(query: RatesQuery): Promise<Rate[]>;
  /** Exact daily average, count, min and max, with `minCount` and `asOf`, and the version read. */
  ratesDetailed(query: DetailedRatesQuery): Promise<RatesResult>;
  /** Every port, sorted by code. */
  ports(options?: ReadOptions): Promise<Port[]>;
  /** One port, or undefined when there is none with this code. */
  port(code: string, options?: ReadOptions): Promise<Port | undefined>;
  /** Every region, sorted by slug. */
  regions(options?: ReadOptions): Promise<Region[]>;
  /** One region with its direct ports and sub-regions, or undefined when there is none. */
  region(slug: string, options?: ReadOptions): Promise<RegionDetail | undefined>;
  /** The region tree: top-level regions with their ports and sub-regions, nested. */
  tree(options?: ReadOptions): Promise<RegionNode[]>;
  /** The batch log, in version order. */
  batches(options?: RequestOptions): Promise<BatchInfo[]>;
  /** One committed batch, or undefined when none has this id. */
  batch(batchId: string, options?: RequestOptions): Promise<BatchInfo | undefined>;
  /** Reverts a committed batch (a new version without its prices); reverting again returns the first result. */
  revert(batchId: string, options?: RequestOptions): Promise<RevertResult>;
  /**
   * Uploads one atomic batch: all of it becomes visible in one new version, or none of it. Small
   * batches go in one request, large ones in chunks through a staged upload, never held whole.
   *
   * A rejected batch throws `RATESTORE_INVALID_BATCH` with its bad items and leaves nothing behind;
   * a batch without items throws `RATESTORE_EMPTY_BATCH` before anything is sent.
   * Any other failure (the server away for longer than the retries last, the items' source failing)
   * keeps the chunks the store acknowledged: calling `uploadBatch` again with the same items,
   * `batchId` and `chunkSize` sends only the rest. Use `abortUpload(batchId)` to give up instead.
   */
  uploadBatch(items: UploadItems, options?: UploadOptions): Promise<UploadResult>;
  /** A staged or committed upload, or undefined when the store knows no batch with this id. */
  uploadStatus(batchId: string, options?: RequestOptions): Promise<UploadStatus | undefined>;
  /** Drops a staged upload. Resolves false when there was none; a committed batch cannot be aborted. */
  abortUpload(batchId: string, options?: RequestOptions): Promise<boolean>;
}
