/**
 * `@ratestore/client`: a typed client for the Ratestore HTTP API, built on `fetch` so it runs in
 * Node 20+ and in browsers. The embedded client, with the same interface over an in-process store,
 * is in `@ratestore/client/embedded`.
 *
 * @example
 * ```ts
 * import { RatestoreClient } from '@ratestore/client';
 *
 * const client = new RatestoreClient({ baseUrl: 'http://127.0.0.1:3000' });
 * await client.uploadBatch([{ origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: 1234 }]);
 * const days = await client.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-10', origin: 'CNSGH', destination: 'NLRTM' });
 * ```
 *
 * @packageDocumentation
 */
export { RatestoreClient } from './remote.js';
export type { RatestoreClientOptions, FetchFunction } from './remote.js';
export { RatestoreClientError, isRatestoreClientError } from './errors.js';
export type { RatestoreClientErrorCode, ServerErrorCode, ClientErrorCode, ItemIssue, ItemIssueCode, RatestoreClientErrorOptions } from './errors.js';
export { DEFAULT_RETRY } from './retry.js';
export type { RetryOptions, RetryEvent } from './retry.js';
export { DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY } from './upload.js';
export type * from './types.js';
