/**
 * What the engine answers and what the HTTP API carries, in code (camelCase): the engine returns
 * these, the server writes them on the wire (wire.ts), and both clients return them. Days are
 * `YYYY-MM-DD` strings, timestamps ISO strings.
 */
import type { ItemIssueCode } from './codes.js';

/** How many items of each kind a batch holds. */
export interface BatchCounts {
  prices: number;
  ports: number;
  regions: number;
}

/** The outcome of a commit; committing (or uploading) the same batch id again returns the same result. */
export interface CommitResult {
  /** The batch id (given or generated). */
  batchId: string;
  /** The data version the batch created. */
  version: number;
  /** How many items of each kind the batch held. */
  counts: BatchCounts;
  /** ISO timestamp of the commit. */
  committedAt: string;
  /**
   * Present (true) when the call committed nothing because the batch id was committed already (by an
   * earlier call, or by another store on a shared log at the same time): the result is the first.
   * On the wire it is the `Idempotent-Replayed: true` header, not a field.
   */
  replayed?: true;
}

/** One entry of the batch log. */
export interface BatchInfo extends Omit<CommitResult, 'replayed'> {
  /** The version that reverted this batch, or null. */
  revertedBy: number | null;
  /** Whether the batch can still be reverted (its version is within the retained history). */
  revertible: boolean;
}

/** The outcome of a revert; reverting again returns the same result. */
export interface RevertResult {
  /** The reverted batch. */
  batchId: string;
  /** The version the reverted batch was committed at. */
  revertedVersion: number;
  /** The new version that removed the batch's prices. */
  version: number;
  /** ISO timestamp of the revert. */
  revertedAt: string;
  /** Present (true) when the call reverted nothing because the batch was reverted already: the result is the first. */
  replayed?: true;
}

export interface Port {
  /** 5 letters A-Z. */
  code: string;
  name: string;
  /** Slug of the region that holds the port. */
  region: string;
}

export interface Region {
  slug: string;
  name: string;
  /** Slug of the parent region; null for a top-level region. */
  parent: string | null;
}

/** What a region directly holds. */
export interface RegionChildren {
  /** Codes of the ports directly in the region, sorted. */
  ports: string[];
  /** Slugs of its direct sub-regions, sorted. */
  regions: string[];
}

/** A region with the codes of its own ports and the slugs of its direct sub-regions. */
export interface RegionDetail extends Region, RegionChildren {}

/** A region with its ports and sub-regions, nested: one node of the region tree. */
export interface RegionNode extends Region {
  ports: Port[];
  regions: RegionNode[];
}

/** Days with fewer prices than this get a null average, unless a query says otherwise (`minCount`, `min_count`). */
export const DEFAULT_MIN_COUNT = 3;

/**
 * How long a read that asks for a version (`minVersion`, `min_version`) waits for it to be applied by
 * default, in milliseconds: the engine's `waitForVersion`, the server's `cluster.waitMs`, the
 * embedded client.
 */
export const DEFAULT_VERSION_WAIT_MS = 5000;

/** A rates query: the daily prices of a route over a range of days. */
export interface RatesQuery {
  /** First day, `YYYY-MM-DD`. */
  dateFrom: string;
  /** Last day, `YYYY-MM-DD`, inclusive. */
  dateTo: string;
  /** Port code or region slug (regions include every port beneath them, at any depth). */
  origin: string;
  /** Port code or region slug. */
  destination: string;
  /** Days with fewer prices than this get a null average. Default {@link DEFAULT_MIN_COUNT} (3). */
  minCount?: number;
  /** Read as of this version instead of the latest. */
  asOf?: number;
  /**
   * When no day of the range reaches `minCount` prices, replace the origin and destination by their
   * parent regions, one side and one level at a time, the side with fewer prices first, until some
   * day reaches `minCount` or both sides are top-level regions. The answer names what it used
   * (`originUsed`, `destinationUsed`). Default false.
   */
  widen?: boolean;
  /**
   * Percentiles of each day's prices to answer, e.g. `[25, 50, 75]`: 1 to 9 distinct numbers, each
   * above 0 and below 100. Each row then has `percentiles`. Default: none (rows have no such field).
   */
  percentiles?: number[];
}

/** One day of a rates answer. */
export interface RateRow {
  /** `YYYY-MM-DD`. */
  day: string;
  /** Exact average of the day's prices, or null when `count` is below `minCount`. */
  average: number | null;
  /** How many prices the day has. */
  count: number;
  /** Lowest price of the day; null when the day has no price. */
  min: number | null;
  /** Highest price of the day; null when the day has no price. */
  max: number | null;
  /**
   * With the query's `percentiles`: for each percentile q, under the key `p` + q as written in
   * JavaScript (`p25`, `p99.9`), in the order the query gave them, the day's price at rank
   * ⌊q/100 · (count − 1)⌋ of its prices sorted ascending (0-based), in USD like `min` and `max`.
   * Within 1% (relative) of that exact price, never below `min` nor above `max`; rank 0 is `min` and
   * rank count − 1 is `max` exactly. Null, like `average`, when `count` is below `minCount`; also null
   * for a day some of whose prices were committed without sketches (by an engine before them, or
   * with `percentileSketches: false`), unless its count, min and max tell every price (one or two
   * prices, or all equal); see docs/design.md, "Percentiles". Absent without the query's `percentiles`.
   */
  percentiles?: Record<string, number | null>;
}

/** A rates answer: one row per day of the range, in order, all read at one version. */
export interface RatesResult {
  /** The data version the whole answer was read at. */
  version: number;
  rows: RateRow[];
  /** With `widen`: the origin the rows are for, the query's own or one of its ancestor regions. */
  originUsed?: string;
  /** With `widen`: the destination the rows are for, the query's own or one of its ancestor regions. */
  destinationUsed?: string;
}

/** One day as the original rates API answers it (`GET /rates`). */
export interface Rate {
  /** `YYYY-MM-DD`. */
  day: string;
  /** The day's average price rounded to an integer (halves up), or null with fewer than 3 prices. */
  averagePrice: number | null;
}

/** A batch being staged. */
export interface StagedBatchInfo {
  batchId: string;
  /** ISO timestamp of the upload's creation. */
  createdAt: string;
  /** Chunk numbers staged so far, ascending. */
  chunks: number[];
  /** Items staged so far, in all chunks. */
  items: number;
}

/** A chunk staged. */
export interface AddChunkResult {
  batchId: string;
  chunk: number;
  /** Items in this chunk. */
  items: number;
}

/** A staged upload as the clients report it. */
export type UploadStatus =
  | {
      /** Begun, not committed nor aborted. */
      state: 'staged';
      /** The upload's batch id. */
      batchId: string;
      /** ISO timestamp of the upload's creation. */
      createdAt: string;
      /** Chunk numbers the store holds, ascending: they are acknowledged and survive restarts. */
      chunks: number[];
    }
  | {
      /** Committed: the batch is in the log. */
      state: 'committed';
      /** The upload's batch id. */
      batchId: string;
      /** The commit's result. */
      result: CommitResult;
    };

/** What folding history did (`compact()`). */
export interface FoldResult {
  /** History is folded through this version. */
  foldedThrough: number;
  /** Aggregate records removed and written. */
  removed: number;
  written: number;
}

/** One problem of a bad item of a rejected batch (an item with several problems has an entry for each). */
export interface ItemIssue {
  /** Position of the item in its chunk (in the whole batch for a one-call write). */
  index: number;
  /** Chunk number, for staged batches. */
  chunk?: number;
  /** The offending field, or `''` when the item as a whole is wrong. */
  field: string;
  code: ItemIssueCode;
  reason: string;
}
