export { Ratestore, StagedBatch } from './store.js';
export type { RatestoreOptions, ApplyOptions, ApplyRevertOptions } from './store.js';
export type {
  RatestoreReader, RatestoreWriter, StagedBatchHandle, StoreStatus, BatchItems, WriteOptions, CommitOptions, AddChunkOptions, CompactOptions, WaitOptions
} from './interfaces.js';
export { Staging } from './staging/staging.js';
export type { AddChunkResult, StagedBatchInfo, StagingOptions, CollectedBatch } from './staging/staging.js';
export { memorySource } from './staging/batch-source.js';
export { itemSlices } from './validate/item-slices.js';
export { encodePorts, decodePorts } from './encoding/price-codec.js';
export type { EncodedChunk } from './staging/chunk-builder.js';
export type { CommitLog, LogNode, LogEntry, LoggedEntry, Proposal, BatchProposal, RevertProposal, Appended, Retention } from './log/commit-log.js';
export type { BatchSource, PriceChunk } from './staging/batch-source.js';
export type { FoldResult } from './maintenance/fold-history.js';
export type { Snapshot, SnapshotEntries } from './maintenance/snapshot.js';
export { RatestoreError } from './errors.js';
// Kept on the main entry for code written before the contract had its own (`@ratestore/core/contract`).
export { httpStatusOf, roundAverage } from './contract/index.js';
export { moneyCents, priceTextCents } from './validate/price.js';
export type { RatestoreErrorCode, RatestoreErrorOptions, ItemIssue, ItemIssueCode } from './errors.js';
export type { Db } from './db.js';
export type * from './types.js';
export { sampleCatalog, samplePrices, sampleRoutes, generateSample } from './sample/generate-sample.js';
export type { SampleOptions, SampleRoute } from './sample/generate-sample.js';
