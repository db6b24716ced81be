/** A price observation: `price` USD for shipping from `origin` to `destination` on `day`. */
export interface PriceItem {
  type?: 'price';
  /** Port code, 5 letters A-Z. */
  origin: string;
  /** Port code, 5 letters A-Z. */
  destination: string;
  /** `YYYY-MM-DD`, a real calendar date between 1900 and 2999. */
  day: string;
  /** USD that is money: at least 0.01, at most 10,000,000, a 2-decimal value up to float noise. */
  price: number;
}

/** Adds a port or changes its name or region. */
export interface PortItem {
  type: 'port';
  /** 5 letters A-Z. */
  code: string;
  name: string;
  /** Slug of the region that holds the port. */
  region: string;
}

/** Adds a region or changes its name or parent. */
export interface RegionItem {
  type: 'region';
  /** `[a-z0-9_]+`, at most 64 characters. */
  slug: string;
  name: string;
  /** Slug of the parent region; null or absent for a top-level region. */
  parent?: string | null;
}

export type BatchItem = PriceItem | PortItem | RegionItem;

/** How many items of each kind a batch holds. */
export interface BatchCounts {
  prices: number;
  ports: number;
  regions: number;
}

/** The outcome of a commit; committing the same batch id again returns the same result, marked `replayed`. */
export interface CommitResult {
  batchId: string;
  version: number;
  counts: BatchCounts;
  /** ISO timestamp of the commit. */
  committedAt: string;
  /**
   * Present (true) when this call committed nothing because the batch id was committed already (by
   * an earlier call, or by another store on a shared log at the same time): the result is the first.
   */
  replayed?: true;
}

/** The outcome of a revert. */
export interface RevertResult {
  batchId: string;
  /** The version the reverted batch was committed at. */
  revertedVersion: number;
  /** The new version that removed the batch's prices. */
  version: number;
  revertedAt: string;
  /** Present (true) when this call reverted nothing because the batch was reverted already: the result is the first. */
  replayed?: true;
}

/** One entry of the batch log. */
export interface BatchInfo extends Omit<CommitResult, 'replayed'> {
  /** The version that reverted this batch, if any. */
  revertedBy: number | null;
  /** Whether the batch can still be reverted (its version is within the retention horizon). */
  revertible: boolean;
  /** The fingerprint the batch was committed with, if any (see `WriteOptions.fingerprint`). */
  fingerprint?: string;
}

export interface Port {
  code: string;
  name: string;
  region: string;
}

export interface Region {
  slug: string;
  name: string;
  parent: string | null;
}

/** What a region directly holds, as returned by `regionChildren()`. */
export interface RegionChildren {
  /** Codes of the ports directly in the region, sorted. */
  ports: string[];
  /** Slugs of its direct sub-regions, sorted. */
  regions: string[];
}

/** A region with its ports and sub-regions, as returned by `tree()`. */
export interface RegionNode extends Region {
  ports: Port[];
  regions: RegionNode[];
}

export interface RatesQuery {
  /** First day, `YYYY-MM-DD`. */
  dateFrom: string;
  /** Last day, `YYYY-MM-DD`, inclusive. */
  dateTo: string;
  /** Port code or region slug. */
  origin: string;
  /** Port code or region slug. */
  destination: string;
  /** Days with fewer prices than this get a null average. Default 3. */
  minCount?: number;
  /** Read as of this version instead of the latest. */
  asOf?: number;
}

export interface RateRow {
  day: string;
  /** Exact average of the day's prices, or null when `count` is below `minCount`. */
  average: number | null;
  count: number;
  /** Null when the day has no price. */
  min: number | null;
  max: number | null;
}

export interface RatesResult {
  /** The version the whole answer was read at. */
  version: number;
  rows: RateRow[];
}

export interface VersionOptions {
  /** Read as of this version instead of the latest. */
  asOf?: number;
}
