/**
 * The embedded client (`@ratestore/client/embedded`): the same interface as the remote
 * {@link RatestoreClient}, over a `@ratestore/core` store in the same process (any arrangement of
 * stores behind the engine's reader and writer interfaces). It lives in its own entry point so
 * that the remote client's (browser) bundle never pulls in the engine.
 *
 * It answers as the server and the remote client would, through the same contract
 * (`@ratestore/core/contract`): every result goes to the wire shape and back, and every engine
 * error gets the status and parameter name the server would answer with.
 *
 * @example
 * ```ts
 * import { Ratestore } from '@ratestore/core';
 * import { createClient } from '@ratestore/client/embedded';
 *
 * const store = new Ratestore({ location: './data' });
 * await store.open();
 * const client = process.env.RATESTORE_URL === undefined
 *   ? createClient({ embedded: store })
 *   : createClient({ baseUrl: process.env.RATESTORE_URL, apiKey: process.env.RATESTORE_KEY });
 * ```
 *
 * @module
 */
import { RatestoreError, type RatestoreReader, type RatestoreWriter } from '@ratestore/core';
import {
  DEFAULT_MIN_COUNT, DEFAULT_VERSION_WAIT_MS, batchFromWire, batchToWire, commitFromWire, commitToWire, committedUploadToWire, dailyAveragesFromWire, dailyAveragesToWire, httpStatusOf,
  parameterOf, ratesFromWire, ratesToWire, regionDetail, revertFromWire, revertToWire, stagedUploadToWire, uploadFromWire
} from '@ratestore/core/contract';
import { RatestoreClientError, invalidArgument, serverRefusal, throwIfAborted, type ItemIssue } from './errors.js';
import { minVersionOf, percentilesOf } from './read-options.js';
import { RatestoreClient, type RatestoreClientOptions } from './remote.js';
import { checkBatchId, uploadBatch, type UploadTransport } from './upload.js';
import type {
  BatchInfo, CommitResult, DetailedRatesQuery, Port, Rate, RatesQuery, RatesResult, RatestoreApi, ReadOptions, Region, RegionDetail,
  RegionNode, RequestOptions, RevertResult, UploadItems, UploadOptions, UploadResult, UploadStatus
} from './types.js';

/** What the embedded client reads and writes: a `Ratestore`, or any arrangement of stores behind both interfaces. */
export type EmbeddedStore = RatestoreReader & RatestoreWriter;

/** Options of {@link EmbeddedRatestoreClient}. */
export interface EmbeddedClientOptions<S extends EmbeddedStore = EmbeddedStore> {
  /** An opened store. The client does not own it: open and close it yourself. */
  store: S;
}

/** A core error as the client error the server would have produced (same code, status, parameter). */
function clientError(error: unknown): unknown {
  if (!(error instanceof RatestoreError)) return error;
  const parameter = error.field === undefined ? undefined : parameterOf(error.field);
  const issues = error.issues?.map((issue): ItemIssue => ({ ...issue }));
  return new RatestoreClientError(error.code, error.message, {
    status: httpStatusOf(error),
    ...(error.field === undefined ? {} : { field: error.field }),
    ...(parameter === undefined ? {} : { parameter }),
    ...(issues === undefined ? {} : { issues, issueCount: error.issueCount ?? issues.length }),
    cause: error
  });
}

/** Runs a store call, translating its errors; honours an already-fired signal. */
async function call<T>(signal: AbortSignal | undefined, work: () => T | Promise<T>): Promise<T> {
  throwIfAborted(signal);
  try {
    return await work();
  } catch (error) {
    throw clientError(error);
  }
}

/**
 * Runs a read once the store has applied the version it asks for (a store on a shared log applies
 * other stores' writes as they come), as the server's `min_version` does.
 */
function read<T>(store: RatestoreReader, options: RequestOptions | undefined, work: () => T | Promise<T>): Promise<T> {
  return call(options?.signal, async () => {
    const wanted = minVersionOf(options);
    if (wanted !== undefined && !(await store.waitForVersion(wanted, { timeoutMs: DEFAULT_VERSION_WAIT_MS }))) {
      throw serverRefusal('RATESTORE_NOT_CAUGHT_UP', `the store has applied version ${store.version}, not yet ${wanted}`, 'minVersion');
    }
    return work();
  });
}

/** The server's check of the four rate parameters: each is required and non-empty. */
function requireQuery(query: RatesQuery): void {
  if (query === null || typeof query !== 'object') throw invalidArgument('query', 'must be an object');
  for (const field of ['dateFrom', 'dateTo', 'origin', 'destination'] as const) {
    const value = query[field];
    if (value === undefined || value === null || value === '') {
      throw serverRefusal('RATESTORE_MISSING_PARAMETER', `the query parameter ${parameterOf(field)} is required`, field);
    }
  }
}

/** The server's check of an integer query parameter (`min_count`, `as_of`): a 400 `RATESTORE_INVALID_PARAMETER`. */
function checkQueryInteger(value: unknown, field: 'minCount' | 'asOf', min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw serverRefusal('RATESTORE_INVALID_PARAMETER', `the query parameter ${parameterOf(field)} must be an integer of at least ${min}, got ${JSON.stringify(value) ?? 'nothing'}`, field);
  }
}

/** The server's check of a boolean query parameter (`widen`): a 400 `RATESTORE_INVALID_PARAMETER`. */
function checkQueryBoolean(value: unknown, field: 'widen'): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw serverRefusal('RATESTORE_INVALID_PARAMETER', `the query parameter ${parameterOf(field)} must be true or false, got ${JSON.stringify(value) ?? 'nothing'}`, field);
  }
}

// Results as the remote client reads them from the server's answers: to the wire and back.
const commitOf = (result: CommitResult): CommitResult => commitFromWire(commitToWire(result));
const batchOf = (info: BatchInfo): BatchInfo => batchFromWire(batchToWire(info));

function versionOf(options: ReadOptions): { asOf?: number } {
  checkQueryInteger(options.asOf, 'asOf', 0);
  return options.asOf === undefined ? {} : { asOf: options.asOf };
}

/**
 * The client interface over an in-process store: the same methods, results and errors (with the
 * status the server would answer) as {@link RatestoreClient}, without HTTP. Switch between the two
 * by configuration with {@link createClient}.
 */
export class EmbeddedRatestoreClient<S extends EmbeddedStore = EmbeddedStore> implements RatestoreApi {
  /** The store this client reads and writes. */
  readonly store: S;
  readonly #transport: UploadTransport;

  /**
   * @param options - the (opened) store
   * @throws {@link RatestoreClientError} `RATESTORE_INVALID_ARGUMENT` (`field: 'store'`) without a store.
   */
  constructor(options: EmbeddedClientOptions<S>) {
    if (options === null || typeof options !== 'object') throw invalidArgument('options', 'must be an object with a store');
    if (options.store === undefined || options.store === null || typeof options.store !== 'object') throw invalidArgument('store', 'must be an opened store');
    this.store = options.store;
    const store = this.store;
    this.#transport = {
      writeBatch: (items, batchId, signal) => call(signal, async () => commitOf(await store.write(items, { batchId }))),
      beginUpload: (batchId, signal) => call(signal, () => this.#beginUpload(batchId)),
      putChunk: (batchId, chunk, items, signal) => call(signal, async () => void (await store.addChunk(batchId, items, { chunk }))),
      commitUpload: (batchId, signal) => call(signal, async () => commitOf(await store.commit(batchId))),
      discardUpload: async (batchId) => {
        await store.abort(batchId).catch(() => undefined);
      }
    };
  }

  /** The original rates API: one entry per day, the average rounded to an integer (halves up), null below 3 prices. */
  rates(query: RatesQuery): Promise<Rate[]> {
    return read(this.store, query, async () => {
      requireQuery(query);
      const result = await this.store.rates({ dateFrom: query.dateFrom, dateTo: query.dateTo, origin: query.origin, destination: query.destination });
      return dailyAveragesFromWire(dailyAveragesToWire(result.rows));
    });
  }

  /** Exact daily average, count, min and max, with `minCount`, `asOf`, `widen` and `percentiles`, and the version read. */
  ratesDetailed(query: DetailedRatesQuery): Promise<RatesResult> {
    return read(this.store, query, async () => {
      requireQuery(query);
      checkQueryInteger(query.minCount, 'minCount', 1);
      checkQueryBoolean(query.widen, 'widen');
      checkQueryInteger(query.asOf, 'asOf', 0);
      const percentiles = percentilesOf(query);
      const { dateFrom, dateTo, origin, destination, minCount = DEFAULT_MIN_COUNT, asOf, widen = false } = query;
      const result = await this.store.rates({
        dateFrom, dateTo, origin, destination, minCount, widen, ...(asOf === undefined ? {} : { asOf }), ...(percentiles === undefined ? {} : { percentiles })
      });
      return ratesFromWire(ratesToWire({ dateFrom, dateTo, origin, destination, minCount }, result));
    });
  }

  /** Every port, sorted by code. */
  ports(options: ReadOptions = {}): Promise<Port[]> {
    return read(this.store, options, () => this.store.ports(versionOf(options)));
  }

  /** One port, or undefined. */
  port(code: string, options: ReadOptions = {}): Promise<Port | undefined> {
    return read(this.store, options, () => this.store.port(code, versionOf(options)));
  }

  /** Every region, sorted by slug. */
  regions(options: ReadOptions = {}): Promise<Region[]> {
    return read(this.store, options, () => this.store.regions(versionOf(options)));
  }

  /** One region with its direct ports and sub-regions, or undefined. */
  region(slug: string, options: ReadOptions = {}): Promise<RegionDetail | undefined> {
    return read(this.store, options, () => {
      const version = versionOf(options);
      const region = this.store.region(slug, version);
      return region === undefined ? undefined : regionDetail(region, this.store.regionChildren(slug, version)!);
    });
  }

  /** The region tree. */
  tree(options: ReadOptions = {}): Promise<RegionNode[]> {
    return read(this.store, options, () => this.store.tree(versionOf(options)));
  }

  /** The batch log, in version order. */
  batches(options: RequestOptions = {}): Promise<BatchInfo[]> {
    return read(this.store, options, () => this.store.batches().map(batchOf));
  }

  /** One committed batch, or undefined. */
  batch(batchId: string, options: RequestOptions = {}): Promise<BatchInfo | undefined> {
    return read(this.store, options, () => {
      const info = this.store.batch(checkBatchId(batchId));
      return info === undefined ? undefined : batchOf(info);
    });
  }

  /** Reverts a committed batch; reverting again returns the first result. */
  revert(batchId: string, options: RequestOptions = {}): Promise<RevertResult> {
    return call(options.signal, async () => {
      return revertFromWire(revertToWire(await this.store.revert(checkBatchId(batchId))));
    });
  }

  /**
   * Uploads one atomic batch, exactly as the remote client does (one write for at most `chunkSize`
   * items, otherwise staged chunks and a commit), so progress, abort, resume and errors match.
   */
  uploadBatch(items: UploadItems, options: UploadOptions = {}): Promise<UploadResult> {
    return uploadBatch(this.#transport, items, options);
  }

  /** A staged upload with its chunks, a committed batch, or undefined. */
  uploadStatus(batchId: string, options: RequestOptions = {}): Promise<UploadStatus | undefined> {
    return call(options.signal, () => this.#uploadStatus(checkBatchId(batchId)));
  }

  /** Drops a staged upload; false when there was none. */
  abortUpload(batchId: string, options: RequestOptions = {}): Promise<boolean> {
    return call(options.signal, () => this.store.abort(checkBatchId(batchId)));
  }

  async #uploadStatus(batchId: string): Promise<UploadStatus | undefined> {
    const done = this.store.batch(batchId);
    if (done !== undefined) return uploadFromWire(committedUploadToWire(done));
    const staged = await this.store.staged(batchId);
    return staged === undefined ? undefined : uploadFromWire(stagedUploadToWire(staged));
  }

  /** Stages the upload unless the batch is committed already (the status says which). */
  async #beginUpload(batchId: string): Promise<UploadStatus> {
    // begin() documents no answer for a committed batch: do not call it for one.
    if (this.store.batch(batchId) === undefined) await this.store.begin(batchId);
    return (await this.#uploadStatus(batchId))!;
  }
}

/** {@link createClient}'s configuration for an embedded client. */
export interface EmbeddedClientConfig<S extends EmbeddedStore = EmbeddedStore> {
  /** An opened store to use in-process. */
  embedded: S;
}

/** {@link createClient}'s configuration: a store to embed, or a server to call. */
export type ClientConfig = EmbeddedClientConfig | RatestoreClientOptions;

/**
 * A client chosen by configuration: `{ embedded: store }` gives an {@link EmbeddedRatestoreClient},
 * `{ baseUrl, ... }` a remote {@link RatestoreClient}. Both implement {@link RatestoreApi}.
 */
export function createClient<S extends EmbeddedStore>(config: EmbeddedClientConfig<S>): EmbeddedRatestoreClient<S>;
export function createClient(config: RatestoreClientOptions): RatestoreClient;
export function createClient(config: ClientConfig): RatestoreApi;
export function createClient(config: ClientConfig): RatestoreApi {
  if (config !== null && typeof config === 'object' && 'embedded' in config && config.embedded !== undefined) return new EmbeddedRatestoreClient({ store: config.embedded });
  return new RatestoreClient(config as RatestoreClientOptions);
}

export * from './index.js';
