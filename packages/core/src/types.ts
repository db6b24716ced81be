import type { BatchInfo as LoggedBatch } from './contract/results.js';

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

// Results and queries are the contract's: what the engine answers is what the HTTP API carries.
export type {
  BatchCounts, CommitResult, RevertResult, Port, Region, RegionChildren, RegionNode, RatesQuery, RateRow, RatesResult
} from './contract/results.js';

/** One entry of the batch log. */
export interface BatchInfo extends LoggedBatch {
  /** The fingerprint the batch was committed with, if any (see `WriteOptions.fingerprint`); kept off the wire. */
  fingerprint?: string;
}

export interface VersionOptions {
  /** Read as of this version instead of the latest. */
  asOf?: number;
}
