/**
 * Type tests of the client's public API (tsd, against the built declarations): options, results and
 * errors. A change here is a change of the public contract.
 */
import { Readable } from 'node:stream';
import { expectAssignable, expectError, expectNotAssignable, expectType } from 'tsd';
import { Ratestore, type RatestoreReader, type RatestoreWriter } from '@ratestore/core';
import {
  DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY, DEFAULT_RETRY, RatestoreClient, RatestoreClientError, isRatestoreClientError,
  type BatchInfo, type BatchItem, type ClientErrorCode, type CommitResult, type DetailedRatesQuery, type FetchFunction, type ItemIssue,
  type Port, type Rate, type RateRow, type RatesQuery, type RatesResult, type RatestoreApi, type RatestoreClientErrorCode,
  type RatestoreClientOptions, type ReadOptions, type Region, type RegionDetail, type RegionNode, type RetryEvent, type RetryOptions, type RevertResult,
  type ServerErrorCode, type UploadItems, type UploadOptions, type UploadProgress, type UploadResult, type UploadStatus
} from '@ratestore/client';
import { EmbeddedRatestoreClient, createClient, type ClientConfig, type EmbeddedClientOptions } from '@ratestore/client/embedded';

// ---------------------------------------------------------------------------------------------
// Options

const client = new RatestoreClient({ baseUrl: 'http://127.0.0.1:3000' });
expectType<RatestoreClient>(new RatestoreClient({ baseUrl: new URL('http://127.0.0.1:3000') }));
expectAssignable<RatestoreClientOptions>({
  baseUrl: 'https://rates.example.com/api',
  apiKey: 's3cr3t',
  timeoutMs: 10_000,
  commitTimeoutMs: 600_000,
  retries: { retries: 5, maxElapsedMs: 30_000, minDelayMs: 100, maxDelayMs: 2_000 },
  fetch: globalThis.fetch,
  headers: { 'x-tenant': 'a' }
});
expectAssignable<RatestoreClientOptions>({ baseUrl: 'http://h', retries: 3 });
expectAssignable<RatestoreClientOptions>({ baseUrl: 'http://h', retries: false });
expectNotAssignable<RatestoreClientOptions>({ baseUrl: 'http://h', retries: true });
expectNotAssignable<RatestoreClientOptions>({ apiKey: 'k' });
expectNotAssignable<RatestoreClientOptions>({ baseUrl: 'http://h', timeoutMs: '1000' });
expectAssignable<RatestoreClientOptions>({
  baseUrl: 'http://h',
  onRetry: (event) => {
    expectType<RetryEvent>(event);
    expectType<string>(event.method);
    expectType<string>(event.url);
    expectType<number>(event.attempt);
    expectType<RatestoreClientError>(event.error);
    expectType<number>(event.delayMs);
    expectType<number>(event.elapsedMs);
  }
});
expectNotAssignable<RatestoreClientOptions>({ baseUrl: 'http://h', onRetry: 'log' });
expectNotAssignable<RatestoreClientOptions>({ baseUrl: 'http://h', onRetry: (event: { attempt: string }) => event });
expectError(new RatestoreClient());
expectError(new RatestoreClient({ baseUrl: 3000 }));
expectAssignable<FetchFunction>(globalThis.fetch);
expectAssignable<RetryOptions>({});
expectNotAssignable<RetryOptions>({ retries: '3' });
expectType<Readonly<Required<RetryOptions>>>(DEFAULT_RETRY);
expectType<number>(DEFAULT_CHUNK_SIZE);
expectType<number>(DEFAULT_CONCURRENCY);

expectAssignable<UploadOptions>({ batchId: 'b1', chunkSize: 5_000, concurrency: 4, onProgress: (p: UploadProgress) => void p.itemsSent, signal: AbortSignal.timeout(1000) });
expectAssignable<UploadOptions>({});
expectNotAssignable<UploadOptions>({ batchId: 1 });
expectNotAssignable<UploadOptions>({ chunkSize: '5000' });
expectNotAssignable<UploadOptions>({ onProgress: 'yes' });

// ---------------------------------------------------------------------------------------------
// Queries and their results

const query: RatesQuery = { dateFrom: '2016-01-01', dateTo: '2016-01-10', origin: 'CNSGH', destination: 'north_europe_main' };
expectType<Promise<Rate[]>>(client.rates(query));
expectType<Promise<Rate[]>>(client.rates({ ...query, signal: new AbortController().signal }));
expectError(client.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-10', origin: 'CNSGH' }));
expectError(client.rates({ ...query, dateFrom: new Date() }));
declare const rate: Rate;
expectType<string>(rate.day);
expectType<number | null>(rate.averagePrice);

expectAssignable<DetailedRatesQuery>({ ...query, minCount: 1, asOf: 3 });
expectNotAssignable<DetailedRatesQuery>({ ...query, asOf: '3' });
expectType<Promise<RatesResult>>(client.ratesDetailed({ ...query, minCount: 1, asOf: 3 }));
declare const detailed: RatesResult;
expectType<number>(detailed.version);
expectType<RateRow[]>(detailed.rows);
declare const row: RateRow;
expectType<string>(row.day);
expectType<number | null>(row.average);
expectType<number>(row.count);
expectType<number | null>(row.min);
expectType<number | null>(row.max);
// Percentiles: asked as numbers, answered per row under p25, p50... (absent unless asked).
expectAssignable<DetailedRatesQuery>({ ...query, percentiles: [25, 50, 75], widen: true });
expectNotAssignable<DetailedRatesQuery>({ ...query, percentiles: '25,50,75' });
expectNotAssignable<DetailedRatesQuery>({ ...query, percentiles: ['25'] });
expectType<Record<string, number | null> | undefined>(row.percentiles);

expectAssignable<ReadOptions>({ asOf: 2 });
expectType<Promise<Port[]>>(client.ports());
expectType<Promise<Port[]>>(client.ports({ asOf: 2 }));
expectType<Promise<Port | undefined>>(client.port('NLRTM'));
expectType<Promise<Region[]>>(client.regions());
expectType<Promise<RegionDetail | undefined>>(client.region('europe'));
expectType<Promise<RegionNode[]>>(client.tree());
expectError(client.port());
declare const region: RegionDetail;
expectType<string | null>(region.parent);
expectType<string[]>(region.ports);
expectType<string[]>(region.regions);
declare const node: RegionNode;
expectType<Port[]>(node.ports);
expectType<RegionNode[]>(node.regions);

// ---------------------------------------------------------------------------------------------
// Uploads and the batch log

const prices: BatchItem[] = [{ origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: 1234 }];
declare function items(): Generator<BatchItem>;
declare function asyncItems(): AsyncGenerator<BatchItem>;
declare const stream: Readable;
expectType<Promise<UploadResult>>(client.uploadBatch(prices));
expectType<Promise<UploadResult>>(client.uploadBatch(items(), { batchId: 'b1' }));
expectType<Promise<UploadResult>>(client.uploadBatch(asyncItems(), { chunkSize: 1000 }));
expectType<Promise<UploadResult>>(client.uploadBatch(stream));
expectType<Promise<UploadResult>>(client.uploadBatch([{ type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'europe' }, { type: 'region', slug: 'europe', name: 'Europe' }]));
expectError(client.uploadBatch([{ origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01' }]));
expectError(client.uploadBatch([{ origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: '1' }]));
expectError(client.uploadBatch('items'));
expectAssignable<UploadItems>(new Set<BatchItem>());
declare const uploaded: UploadResult;
expectType<string>(uploaded.batchId);
expectType<number>(uploaded.version);
expectType<number>(uploaded.counts.prices);
expectType<string>(uploaded.committedAt);
expectAssignable<CommitResult>(uploaded);
declare const progress: UploadProgress;
expectType<'uploading' | 'committing' | 'committed'>(progress.phase);
expectType<number>(progress.itemsSent);
expectType<number>(progress.chunksAcknowledged);
expectType<number>(progress.chunksSkipped);

expectType<Promise<BatchInfo[]>>(client.batches());
expectType<Promise<BatchInfo | undefined>>(client.batch('b1'));
expectType<Promise<RevertResult>>(client.revert('b1'));
expectType<Promise<UploadStatus | undefined>>(client.uploadStatus('b1'));
expectType<Promise<boolean>>(client.abortUpload('b1'));
declare const info: BatchInfo;
expectType<number | null>(info.revertedBy);
expectType<boolean>(info.revertible);
declare const reverted: RevertResult;
expectType<number>(reverted.revertedVersion);
expectType<string>(reverted.revertedAt);
declare const status: UploadStatus;
if (status.state === 'staged') expectType<number[]>(status.chunks);
else expectType<CommitResult>(status.result);

// ---------------------------------------------------------------------------------------------
// Errors

declare const error: RatestoreClientError;
expectAssignable<Error>(error);
expectType<RatestoreClientErrorCode>(error.code);
expectType<number | undefined>(error.status);
expectType<string | undefined>(error.parameter);
expectType<string | undefined>(error.field);
expectType<ItemIssue[] | undefined>(error.issues);
expectType<number | undefined>(error.issueCount);
expectType<number | undefined>(error.retryAfterMs);
expectType<string | undefined>(error.requestId);
expectType<boolean>(error.retryable);
expectError((error.code = 'RATESTORE_INTERNAL'));
expectAssignable<RatestoreClientErrorCode>('RATESTORE_INVALID_BATCH');
expectAssignable<RatestoreClientErrorCode>('RATESTORE_SOMETHING_NEWER');
expectAssignable<ServerErrorCode>('RATESTORE_OVERLOADED');
expectAssignable<ServerErrorCode>('RATESTORE_EMPTY_BATCH');
expectNotAssignable<ServerErrorCode>('RATESTORE_TIMEOUT');
expectAssignable<ClientErrorCode>('RATESTORE_TIMEOUT');
expectNotAssignable<ClientErrorCode>('RATESTORE_OVERLOADED');
declare const issue: ItemIssue;
expectType<number>(issue.index);
expectType<number | undefined>(issue.chunk);
expectType<string>(issue.field);
expectType<string>(issue.reason);
expectType<unknown>(issue.item);
expectType<RatestoreClientError>(new RatestoreClientError('RATESTORE_TIMEOUT', 'slow', { attempts: 3 }));
declare const caught: unknown;
if (isRatestoreClientError(caught, 'RATESTORE_INVALID_BATCH')) expectType<RatestoreClientError>(caught);

// ---------------------------------------------------------------------------------------------
// The embedded client and createClient: the same interface

declare const store: Ratestore;
const embedded = new EmbeddedRatestoreClient({ store });
expectAssignable<RatestoreApi>(embedded);
expectAssignable<RatestoreApi>(client);
expectType<Ratestore>(embedded.store);
expectType<Promise<Rate[]>>(embedded.rates(query));
expectType<Promise<UploadResult>>(embedded.uploadBatch(asyncItems(), { batchId: 'b2' }));
expectAssignable<EmbeddedClientOptions>({ store });
expectError(new EmbeddedRatestoreClient({}));
expectType<EmbeddedRatestoreClient<Ratestore>>(createClient({ embedded: store }));
// Any arrangement of stores behind the engine's two interfaces will do.
declare const stores: RatestoreReader & RatestoreWriter;
expectType<RatestoreReader & RatestoreWriter>(new EmbeddedRatestoreClient({ store: stores }).store);
expectAssignable<RatestoreApi>(createClient({ embedded: stores }));
expectError(new EmbeddedRatestoreClient({ store: {} as RatestoreReader }));
expectType<RatestoreClient>(createClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: 'k' }));
declare const config: ClientConfig;
expectType<RatestoreApi>(createClient(config));
expectError(createClient({}));
