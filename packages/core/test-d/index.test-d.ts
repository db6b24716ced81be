/**
 * Type tests of the public API (tsd, against the built declarations): what users may pass and what
 * they get back. A change here is a change of the public contract.
 */
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd';
import {
  Ratestore, RatestoreError, StagedBatch,
  type AddChunkOptions, type AddChunkResult, type ApplyOptions, type BatchCounts, type BatchInfo, type BatchItem,
  type CommitResult, type CompactOptions, type Db, type FoldResult, type ItemIssue, type ItemIssueCode, type Port,
  type PortItem, type PriceItem, type RateRow, type RatesQuery, type RatesResult, type RatestoreErrorCode,
  type RatestoreOptions, type Region, type RegionItem, type RegionNode, type RevertResult, type StagedBatchInfo,
  type VersionOptions, type WriteOptions, httpStatusOf
} from '@ratestore/core';
import {
  httpStatusOf as contractHttpStatusOf, type BatchInfo as ContractBatchInfo, type ClientErrorCode, type CliErrorCode, type EngineErrorCode, type ErrorCode,
  type HttpErrorCode, type ItemIssueCode as ContractItemIssueCode, type ProblemCode
} from '@ratestore/core/contract';

declare const db: Db;

// ---------------------------------------------------------------------------------------------
// Options

const store = new Ratestore({ location: './data' });
expectType<Ratestore>(new Ratestore());
expectType<Ratestore>(new Ratestore({ db }));
expectAssignable<RatestoreOptions>({
  db,
  location: './data',
  maxRangeDays: 366,
  maxIssues: 100,
  maxIssuesPerItem: 10,
  chunkSize: 50_000,
  maxCells: 1_000_000,
  retainVersions: Infinity,
  onBackgroundError: (error: unknown) => console.error(error)
});
expectAssignable<RatestoreOptions>({});
expectNotAssignable<RatestoreOptions>({ maxRangeDays: '366' });
expectNotAssignable<RatestoreOptions>({ retainVersions: '10' });
expectNotAssignable<RatestoreOptions>({ location: 42 });
expectError(new Ratestore({ maxIssues: null }));

expectAssignable<WriteOptions>({ batchId: 'b1' });
expectAssignable<WriteOptions>({});
expectNotAssignable<WriteOptions>({ batchId: 1 });
expectAssignable<AddChunkOptions>({ chunk: 3 });
expectNotAssignable<AddChunkOptions>({ chunk: '3' });
expectAssignable<CompactOptions>({ retainVersions: 10 });
expectAssignable<VersionOptions>({ asOf: 3 });
expectNotAssignable<VersionOptions>({ asOf: '3' });
expectAssignable<ApplyOptions>({ version: 2, batchId: 'b', items: [] });
expectAssignable<ApplyOptions>({ version: 2, batchId: 'b', items: [], committedAt: '2016-01-01T00:00:00Z' });
expectNotAssignable<ApplyOptions>({ batchId: 'b', items: [] });

// ---------------------------------------------------------------------------------------------
// Items: a price (type implied or 'price'), a port, a region

expectAssignable<BatchItem>({ origin: 'CNSHA', destination: 'NLRTM', day: '2016-01-01', price: 100 });
expectAssignable<BatchItem>({ type: 'price', origin: 'CNSHA', destination: 'NLRTM', day: '2016-01-01', price: 100 });
expectAssignable<BatchItem>({ type: 'port', code: 'CNSHA', name: 'Shanghai', region: 'asia' });
expectAssignable<BatchItem>({ type: 'region', slug: 'asia', name: 'Asia' });
expectAssignable<BatchItem>({ type: 'region', slug: 'east_asia', name: 'East Asia', parent: 'asia' });
expectAssignable<BatchItem>({ type: 'region', slug: 'asia', name: 'Asia', parent: null });
expectAssignable<PriceItem>({ origin: 'CNSHA', destination: 'NLRTM', day: '2016-01-01', price: 100 });
expectAssignable<PortItem>({ type: 'port', code: 'CNSHA', name: 'Shanghai', region: 'asia' });
expectAssignable<RegionItem>({ type: 'region', slug: 'asia', name: 'Asia' });
expectNotAssignable<BatchItem>({ origin: 'CNSHA', destination: 'NLRTM', day: '2016-01-01', price: '100' });
expectNotAssignable<BatchItem>({ origin: 'CNSHA', destination: 'NLRTM', price: 100 });
expectNotAssignable<BatchItem>({ type: 'port', code: 'CNSHA', name: 'Shanghai' });
expectNotAssignable<BatchItem>({ type: 'vessel', name: 'Ever Given' });
expectNotAssignable<BatchItem>({ type: 'region', slug: 'asia' });

declare const item: BatchItem;
if (item.type === 'port') expectType<PortItem>(item);
else if (item.type === 'region') expectType<RegionItem>(item);
else expectType<PriceItem>(item);

// ---------------------------------------------------------------------------------------------
// Writes

const prices: PriceItem[] = [{ origin: 'CNSHA', destination: 'NLRTM', day: '2016-01-01', price: 100 }];
declare function items(): Generator<BatchItem>;
declare function asyncItems(): AsyncGenerator<BatchItem>;
expectType<Promise<void>>(store.open());
expectType<Promise<void>>(store.close());
expectType<Promise<CommitResult>>(store.write(prices));
expectType<Promise<CommitResult>>(store.write(items(), { batchId: 'b1' }));
expectType<Promise<CommitResult>>(store.write(asyncItems()));
expectType<Promise<CommitResult>>(store.write(new Set<BatchItem>()));
expectError(store.write([{ origin: 'CNSHA', destination: 'NLRTM', day: '2016-01-01' }]));
expectError(store.write(prices, { batchId: 7 }));
expectError(store.write('items'));
expectError(store.write());

declare const commit: CommitResult;
expectType<string>(commit.batchId);
expectType<number>(commit.version);
expectType<BatchCounts>(commit.counts);
expectType<number>(commit.counts.prices);
expectType<number>(commit.counts.ports);
expectType<number>(commit.counts.regions);
expectType<string>(commit.committedAt);

// Staged batches
expectType<Promise<StagedBatch>>(store.begin('upload-1'));
declare const staged: StagedBatch;
expectType<string>(staged.batchId);
expectType<Promise<AddChunkResult>>(staged.add(prices));
expectType<Promise<AddChunkResult>>(staged.add(asyncItems(), { chunk: 2 }));
expectType<Promise<CommitResult>>(staged.commit());
expectType<Promise<boolean>>(staged.abort());
expectError(staged.add(prices, { chunk: '2' }));
expectError(staged.batchId = 'other');
expectType<Promise<AddChunkResult>>(store.addChunk('upload-1', prices));
expectType<Promise<AddChunkResult>>(store.addChunk('upload-1', items(), { chunk: 0 }));
expectType<Promise<CommitResult>>(store.commit('upload-1'));
expectType<Promise<boolean>>(store.abort('upload-1'));
expectType<Promise<StagedBatchInfo | undefined>>(store.staged('upload-1'));
expectType<Promise<StagedBatchInfo[]>>(store.stagedBatches());
expectError(store.addChunk(prices));
expectError(store.commit());

declare const chunk: AddChunkResult;
expectType<string>(chunk.batchId);
expectType<number>(chunk.chunk);
expectType<number>(chunk.items);
declare const stagedInfo: StagedBatchInfo;
expectType<string>(stagedInfo.batchId);
expectType<string>(stagedInfo.createdAt);
expectType<number[]>(stagedInfo.chunks);

// Reverts and the replication seam
expectType<Promise<RevertResult>>(store.revert('b1'));
declare const revert: RevertResult;
expectType<string>(revert.batchId);
expectType<number>(revert.revertedVersion);
expectType<number>(revert.version);
expectType<string>(revert.revertedAt);
expectType<Promise<CommitResult>>(store.applyCommitted({ version: 2, batchId: 'b2', items: prices }));
expectType<Promise<CommitResult>>(store.applyCommitted({ version: 2, batchId: 'b2', items: asyncItems(), committedAt: '2016-01-01T00:00:00Z' }));
expectType<Promise<RevertResult>>(store.applyRevert({ version: 3, batchId: 'b2' }));
expectError(store.applyCommitted({ batchId: 'b2', items: prices }));
expectError(store.applyRevert({ version: 3 }));

// ---------------------------------------------------------------------------------------------
// Reads

const query: RatesQuery = { dateFrom: '2016-01-01', dateTo: '2016-01-31', origin: 'CNSHA', destination: 'north_europe' };
expectType<Promise<RatesResult>>(store.rates(query));
expectType<Promise<RatesResult>>(store.rates({ ...query, minCount: 1, asOf: 3 }));
expectError(store.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-31', origin: 'CNSHA' }));
expectError(store.rates({ ...query, minCount: '3' }));
expectError(store.rates({ ...query, asOf: 'latest' }));
expectError(store.rates({ ...query, dateFrom: new Date() }));
expectError(store.rates());

declare const result: RatesResult;
expectType<number>(result.version);
expectType<RateRow[]>(result.rows);
declare const rateRow: RateRow;
expectType<string>(rateRow.day);
expectType<number | null>(rateRow.average);
expectType<number>(rateRow.count);
expectType<number | null>(rateRow.min);
expectType<number | null>(rateRow.max);

expectType<Port[]>(store.ports());
expectType<Port[]>(store.ports({ asOf: 1 }));
expectType<Region[]>(store.regions());
expectType<Port | undefined>(store.port('CNSHA'));
expectType<Port | undefined>(store.port('CNSHA', { asOf: 1 }));
expectType<Region | undefined>(store.region('asia'));
expectType<RegionNode[]>(store.tree());
expectType<RegionNode[]>(store.tree({ asOf: 2 }));
expectError(store.ports({ asOf: '1' }));
expectError(store.port());

declare const port: Port;
expectType<string>(port.code);
expectType<string>(port.name);
expectType<string>(port.region);
declare const region: Region;
expectType<string>(region.slug);
expectType<string>(region.name);
expectType<string | null>(region.parent);
declare const node: RegionNode;
expectType<Port[]>(node.ports);
expectType<RegionNode[]>(node.regions);
expectAssignable<Region>(node);

expectType<BatchInfo[]>(store.batches());
expectType<BatchInfo | undefined>(store.batch('b1'));
declare const info: BatchInfo;
expectAssignable<CommitResult>(info);
expectType<number | null>(info.revertedBy);
expectType<boolean>(info.revertible);

// ---------------------------------------------------------------------------------------------
// State and maintenance

expectType<number>(store.version);
expectType<number>(store.retainedFrom);
expectType<Db>(store.db);
expectType<'new' | 'opening' | 'open' | 'closing' | 'closed'>(store.status);
expectError(store.version = 3);
expectType<Promise<FoldResult>>(store.compact());
expectType<Promise<FoldResult>>(store.compact({ retainVersions: 10 }));
declare const fold: FoldResult;
expectType<number>(fold.foldedThrough);
expectType<number>(fold.removed);
expectType<number>(fold.written);

// ---------------------------------------------------------------------------------------------
// Errors

declare const error: RatestoreError;
expectAssignable<Error>(error);
expectType<RatestoreErrorCode>(error.code);
expectType<string | undefined>(error.field);
expectType<ItemIssue[] | undefined>(error.issues);
expectType<number | undefined>(error.issueCount);
expectError(error.code = 'RATESTORE_NOT_OPEN');
expectAssignable<RatestoreErrorCode>('RATESTORE_INVALID_ARGUMENT');
expectAssignable<RatestoreErrorCode>('RATESTORE_INVALID_DATE');
expectAssignable<RatestoreErrorCode>('RATESTORE_DATE_RANGE_REVERSED');
expectAssignable<RatestoreErrorCode>('RATESTORE_RANGE_TOO_LONG');
expectAssignable<RatestoreErrorCode>('RATESTORE_UNKNOWN_LOCATION');
expectAssignable<RatestoreErrorCode>('RATESTORE_INVALID_BATCH');
expectAssignable<RatestoreErrorCode>('RATESTORE_EMPTY_BATCH');
expectAssignable<RatestoreErrorCode>('RATESTORE_UNKNOWN_BATCH');
expectAssignable<RatestoreErrorCode>('RATESTORE_BATCH_COMMITTED');
expectAssignable<RatestoreErrorCode>('RATESTORE_UNKNOWN_VERSION');
expectAssignable<RatestoreErrorCode>('RATESTORE_VERSION_NOT_RETAINED');
expectAssignable<RatestoreErrorCode>('RATESTORE_VERSION_CONFLICT');
expectAssignable<RatestoreErrorCode>('RATESTORE_NOT_OPEN');
expectNotAssignable<RatestoreErrorCode>('RATESTORE_SOMETHING_ELSE');

declare const issue: ItemIssue;
expectType<number>(issue.index);
expectType<number | undefined>(issue.chunk);
expectType<string>(issue.field);
expectType<ItemIssueCode>(issue.code);
expectType<string>(issue.reason);
expectAssignable<ItemIssueCode>('RATESTORE_UNKNOWN_PORT');
expectAssignable<ItemIssueCode>('RATESTORE_REGION_CYCLE');
expectNotAssignable<ItemIssueCode>('RATESTORE_NOT_OPEN');

// Narrowing a caught error.
try {
  await store.write(prices);
} catch (caught) {
  if (caught instanceof RatestoreError && caught.code === 'RATESTORE_INVALID_BATCH') {
    expectType<ItemIssue[] | undefined>(caught.issues);
  }
}
const made = new RatestoreError('RATESTORE_UNKNOWN_BATCH', 'no such batch', { field: 'batchId' });
expectType<RatestoreError>(made);
expectError(new RatestoreError('RATESTORE_NOPE', 'x'));

// ---------------------------------------------------------------------------------------------
// The contract (@ratestore/core/contract): the unions derived from its table of codes

expectType<EngineErrorCode>({} as RatestoreErrorCode);
expectAssignable<EngineErrorCode>('RATESTORE_LOG_MISMATCH');
expectNotAssignable<EngineErrorCode>('RATESTORE_INVALID_ITEM');
expectAssignable<ContractItemIssueCode>('RATESTORE_INVALID_DATE');
expectNotAssignable<ContractItemIssueCode>('RATESTORE_NOT_OPEN');
expectAssignable<HttpErrorCode>('RATESTORE_NOT_CAUGHT_UP');
expectNotAssignable<HttpErrorCode>('RATESTORE_NOT_OPEN');
expectNotAssignable<HttpErrorCode>('RATESTORE_INVALID_PRICE');
expectAssignable<ProblemCode>('RATESTORE_INVALID_PRICE');
expectAssignable<ClientErrorCode>('RATESTORE_TIMEOUT');
expectNotAssignable<ClientErrorCode>('RATESTORE_OVERLOADED');
expectAssignable<CliErrorCode>('RATESTORE_IMPORT_UNREADABLE');
expectNotAssignable<CliErrorCode>('RATESTORE_TIMEOUT');
expectAssignable<ErrorCode>('RATESTORE_NO_SNAPSHOT');
expectNotAssignable<ErrorCode>('RATESTORE_SOMETHING_ELSE');
expectType<number>(httpStatusOf(made));
expectType<number>(contractHttpStatusOf({ code: 'RATESTORE_NOT_FOUND' }));
expectAssignable<ContractBatchInfo>({} as BatchInfo);
