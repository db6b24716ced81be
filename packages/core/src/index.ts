export { Ratestore, StagedBatch } from './store.js';
export type {
  RatestoreOptions, WriteOptions, AddChunkOptions, AddChunkResult, StagedBatchInfo, ApplyOptions, CompactOptions, StoreStatus
} from './store.js';
export type { FoldResult } from './maintenance/fold-history.js';
export { RatestoreError } from './errors.js';
export { httpStatusOf } from './http-status.js';
export { roundAverage } from './wire-rounding.js';
export { moneyCents, priceTextCents } from './validate/price.js';
export type { RatestoreErrorCode, RatestoreErrorOptions, ItemIssue, ItemIssueCode } from './errors.js';
export type { Db } from './db.js';
export type * from './types.js';
export { sampleCatalog, samplePrices, sampleRoutes, generateSample } from './sample/generate-sample.js';
export type { SampleOptions, SampleRoute } from './sample/generate-sample.js';
