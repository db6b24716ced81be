/**
 * The remote client: the Ratestore HTTP API over `fetch`. It uses nothing but web-standard APIs
 * (fetch, URL, AbortController), so it runs in Node 20+ and in browsers.
 *
 * @module
 */
import {
  batchFromWire, commitFromWire, dailyAveragesFromWire, problemFromWire, ratesFromWire, ratesQueryToWire, revertFromWire, uploadFromWire, versionQueryToWire,
  type BatchListWire, type BatchWire, type CommitWire, type DailyAverageWire, type PortListWire, type PortWire, type RatesWire, type RegionListWire,
  type RegionWire, type RevertWire, type TreeWire, type UploadWire
} from '@ratestore/core/contract';
import { RatestoreClientError, abortedError, invalidArgument, throwIfAborted } from './errors.js';
import { InFlight } from './in-flight.js';
import { chunkBody, ndjsonBody } from './item-bodies.js';
import { backoffDelay, parseRetryAfter, retryPolicy, sleep, type RetryEvent, type RetryOptions, type RetryPolicy } from './retry.js';
import { checkBatchId, uploadBatch, type UploadTransport } from './upload.js';
import { minVersionOf, percentilesOf } from './read-options.js';
import type {
  BatchInfo, BatchItem, DetailedRatesQuery, Port, Rate, RatesQuery, RatesResult, RatestoreApi, ReadOptions, Region,
  RegionDetail, RegionNode, RequestOptions, RevertResult, UploadItems, UploadOptions, UploadResult, UploadStatus
} from './types.js';

/** The `fetch` the client calls: the global one, or any compatible implementation. */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/** Options of {@link RatestoreClient}. */
export interface RatestoreClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:3000` (a path prefix is kept). */
  baseUrl: string | URL;
  /** API key, sent as `Authorization: Bearer KEY`. Needed for writes once the server has keys. */
  apiKey?: string;
  /** Longest time one attempt of a request may take, answer body included. Default 30,000 ms. */
  timeoutMs?: number;
  /** One attempt only: the same as `retries: false`. */
  noRetry?: boolean;
  /**
   * Longest time one attempt of an upload's commit may take: committing a very large staged batch
   * takes longer than a query. Default 600,000 ms.
   */
  commitTimeoutMs?: number;
  /**
   * Retries of requests that got no answer, timed out, or were answered 408, 429, 502, 503 or 504
   * (honouring `Retry-After`): `false` or `0` for none, a number for at most that many, or a
   * {@link RetryOptions} object. Every request the client makes is safe to repeat (writes carry
   * their batch id). Default: exponential backoff with full jitter for up to 60 s. What no retry
   * can fix fails at once: a host name that does not resolve (`ENOTFOUND`; a temporary resolver
   * failure, `EAI_AGAIN`, is retried), a TLS or certificate failure, any other 4xx answer.
   */
  retries?: number | false | RetryOptions;
  /** The fetch implementation. Default: `globalThis.fetch`. */
  fetch?: FetchFunction;
  /** Extra headers sent with every request (e.g. for a proxy in front of the server). */
  headers?: Record<string, string>;
  /**
   * Called before each retry with the failed attempt, its error and the wait before the next one,
   * so a caller can show that the client is still trying (a wrong URL otherwise looks like a hang
   * until the retries are spent). Exceptions it throws are ignored. The same is logged under the
   * `debug` namespace `ratestore:client` (`DEBUG=ratestore:client` in Node,
   * `localStorage.debug = 'ratestore:client'` in browsers with a bundler; `debug` is imported at the
   * first retry, so a page that loads the client as plain modules needs no import map and logs nothing).
   */
  onRetry?: (event: RetryEvent) => void;
  /**
   * `'read-your-writes'`: every read asks for at least the version of this client's latest write
   * (`min_version`), so that it sees that write whichever node of a cluster answers it. Default
   * `'latest'`: reads answer at the version the node that serves them has (`minVersion` per call
   * still applies).
   */
  consistency?: 'latest' | 'read-your-writes';
}

type DebugLog = (format: string, ...args: unknown[]) => void;
let debugLog: Promise<DebugLog | undefined> | undefined;

/**
 * The debug log: namespace `ratestore:client` of the `debug` package, imported when the first retry
 * is reported rather than up front, so that the client imports no package until then, and a page
 * that loads it as plain modules (no bundler to resolve `debug`) works: there the import fails and
 * nothing is logged.
 */
function retryLog(): Promise<DebugLog | undefined> {
  debugLog ??= import('debug').then((module) => module.default('ratestore:client'), () => undefined);
  return debugLog;
}

interface CallOptions {
  query?: Record<string, string | number | undefined>;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** Answer `undefined` for a 404 with one of these codes that names a parameter. */
  notFound?: string[];
  timeoutMs?: number;
  /** One attempt only. */
  noRetry?: boolean;
  /**
   * Before a retry that follows a failure without an answer: resolves `{ value }` when the request
   * turns out to have taken effect already (so it is not sent again), or undefined to send it.
   */
  beforeResend?: () => Promise<{ value: unknown } | undefined>;
}

function uploadPath(batchId: string): string {
  return `/v1/uploads/${encodeURIComponent(batchId)}`;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return causeCode(error) ?? cause?.message ?? (error as Error)?.message ?? String(error);
}

/** The first error code in the chain of causes (fetch wraps the socket's error, which may wrap more). */
function causeCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== null && typeof current === 'object' && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const { code, errors } = current as { code?: unknown; errors?: unknown };
    if (typeof code === 'string') return code;
    // Several addresses tried at once (happy eyeballs) fail together as an AggregateError.
    if (Array.isArray(errors) && errors.length > 0) return causeCode(errors[0]);
  }
  return undefined;
}

/**
 * Why no retry can fix a failure without an answer, or undefined when one may. A name that does
 * not resolve stays so (a temporary resolver failure, EAI_AGAIN, is retried); a certificate or TLS
 * handshake that fails fails again. Browsers do not say why a fetch failed: there, everything is
 * retried.
 */
function finalCause(code: string | undefined): string | undefined {
  if (code === undefined) return undefined;
  if (code === 'ENOTFOUND' || code === 'EAI_NONAME' || code === 'EAI_FAIL' || code === 'ENODATA') return 'the host name does not resolve';
  if (/^ERR_(SSL|TLS)_|CERT|^UNABLE_TO_|SELF_SIGNED|^HOSTNAME_MISMATCH$|^INVALID_CA$/.test(code)) return 'TLS failed';
  return undefined;
}

/**
 * The Ratestore HTTP API as typed calls. Reads and writes retry through outages (see
 * {@link RatestoreClientOptions.retries}); uploads are idempotent by batch id and resume where the
 * server stopped acknowledging.
 *
 * @example
 * ```ts
 * const client = new RatestoreClient({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.RATESTORE_KEY });
 * const { version } = await client.uploadBatch(prices, { batchId: 'feed-2016-01-01' });
 * const days = await client.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-10', origin: 'CNSGH', destination: 'north_europe_main' });
 * ```
 */
export class RatestoreClient implements RatestoreApi {
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #commitTimeoutMs: number;
  readonly #retry: RetryPolicy;
  readonly #fetch: FetchFunction;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  readonly #readYourWrites: boolean;
  /** The version of this client's latest write: reads ask for it with read-your-writes. */
  #lastWrite = 0;
  readonly #transport: UploadTransport;
  /** Status lookups of uploads whose chunk answers were lost, by batch id. */
  readonly #heldLookups = new InFlight<string, readonly number[] | undefined>();

  /**
   * @param options - where the server is, the key, timeouts, retries, a custom fetch
   * @throws {@link RatestoreClientError} `RATESTORE_INVALID_ARGUMENT`, with the option in `field`,
   * for options that cannot work (no or a non-http `baseUrl`, a malformed key, a non-positive
   * timeout, negative retries).
   */
  constructor(options: RatestoreClientOptions) {
    if (options === null || typeof options !== 'object') throw invalidArgument('options', 'must be an object with a baseUrl');
    const base = httpUrl(options.baseUrl);
    this.#base = base.href.replace(/\/+$/, '');
    this.#headers = { accept: 'application/json, application/problem+json', ...options.headers };
    if (options.apiKey !== undefined) {
      // A key fetch cannot send would otherwise look like a network failure and be retried.
      if (typeof options.apiKey !== 'string' || !/^[\x21-\x7e]+$/.test(options.apiKey)) throw invalidArgument('apiKey', 'must be a non-empty string of visible ASCII characters');
      this.#headers.authorization = `Bearer ${options.apiKey}`;
    }
    this.#timeoutMs = positive(options.timeoutMs ?? 30_000, 'timeoutMs');
    this.#commitTimeoutMs = positive(options.commitTimeoutMs ?? 600_000, 'commitTimeoutMs');
    this.#retry = retryPolicy(options.noRetry === true ? false : options.retries);
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw invalidArgument('fetch', 'must be a function');
    if (options.fetch === undefined && typeof globalThis.fetch !== 'function') throw invalidArgument('fetch', 'must be given: there is no global fetch');
    // Called through globalThis: browsers refuse a fetch detached from window.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    if (options.onRetry !== undefined && typeof options.onRetry !== 'function') throw invalidArgument('onRetry', 'must be a function');
    this.#onRetry = options.onRetry;
    if (options.consistency !== undefined && options.consistency !== 'latest' && options.consistency !== 'read-your-writes') {
      throw invalidArgument('consistency', `must be 'latest' or 'read-your-writes', got ${JSON.stringify(options.consistency)}`);
    }
    this.#readYourWrites = options.consistency === 'read-your-writes';
    this.#transport = this.#uploadTransport();
  }

  /** The server's base URL, without a trailing slash. */
  get baseUrl(): string {
    return this.#base;
  }

  /** `GET /rates`: one entry per day of the range; the average rounded to an integer, null below 3 prices. */
  async rates(query: RatesQuery): Promise<Rate[]> {
    const { dateFrom, dateTo, origin, destination } = query;
    const wire = ratesQueryToWire({ dateFrom, dateTo, origin, destination, minVersion: this.#minVersion(query) });
    return dailyAveragesFromWire((await this.#call<DailyAverageWire[]>('GET', '/rates', { query: wire, signal: query.signal }))!);
  }

  /** `GET /v1/rates`: exact average, count, min and max per day (and the `percentiles` asked for), and the version read. */
  async ratesDetailed(query: DetailedRatesQuery): Promise<RatesResult> {
    const percentiles = percentilesOf(query);
    const wire = ratesQueryToWire({ ...query, percentiles, minVersion: this.#minVersion(query) });
    return ratesFromWire((await this.#call<RatesWire>('GET', '/v1/rates', { query: wire, signal: query.signal }))!);
  }

  /** `GET /v1/ports`: every port, sorted by code. */
  async ports(options: ReadOptions = {}): Promise<Port[]> {
    return (await this.#call<PortListWire>('GET', '/v1/ports', { query: this.#readQuery(options), signal: options.signal }))!.ports;
  }

  /** `GET /v1/ports/{code}`: one port, or undefined. */
  async port(code: string, options: ReadOptions = {}): Promise<Port | undefined> {
    return (await this.#call<PortWire>('GET', `/v1/ports/${encodeURIComponent(code)}`, { query: this.#readQuery(options), signal: options.signal, notFound: ['RATESTORE_NOT_FOUND'] }))?.port;
  }

  /** `GET /v1/regions`: every region, sorted by slug. */
  async regions(options: ReadOptions = {}): Promise<Region[]> {
    return (await this.#call<RegionListWire>('GET', '/v1/regions', { query: this.#readQuery(options), signal: options.signal }))!.regions;
  }

  /** `GET /v1/regions/{slug}`: one region with its direct ports and sub-regions, or undefined. */
  async region(slug: string, options: ReadOptions = {}): Promise<RegionDetail | undefined> {
    return (await this.#call<RegionWire>('GET', `/v1/regions/${encodeURIComponent(slug)}`, { query: this.#readQuery(options), signal: options.signal, notFound: ['RATESTORE_NOT_FOUND'] }))?.region;
  }

  /** `GET /v1/tree`: the region tree. */
  async tree(options: ReadOptions = {}): Promise<RegionNode[]> {
    return (await this.#call<TreeWire>('GET', '/v1/tree', { query: this.#readQuery(options), signal: options.signal }))!.regions;
  }

  /** `GET /v1/batches`: the batch log, in version order. */
  async batches(options: RequestOptions = {}): Promise<BatchInfo[]> {
    return (await this.#call<BatchListWire>('GET', '/v1/batches', { query: this.#readQuery(options), signal: options.signal }))!.batches.map(batchFromWire);
  }

  /** `GET /v1/batches/{id}`: one committed batch, or undefined. */
  async batch(batchId: string, options: RequestOptions = {}): Promise<BatchInfo | undefined> {
    const wire = await this.#call<BatchWire>('GET', `/v1/batches/${encodeURIComponent(checkBatchId(batchId))}`, { query: this.#readQuery(options), signal: options.signal, notFound: ['RATESTORE_UNKNOWN_BATCH'] });
    return wire === undefined ? undefined : batchFromWire(wire);
  }

  /** `POST /v1/batches/{id}/revert` (needs an admin key when the server has keys). */
  async revert(batchId: string, options: RequestOptions = {}): Promise<RevertResult> {
    return this.#wrote(revertFromWire((await this.#call<RevertWire>('POST', `/v1/batches/${encodeURIComponent(checkBatchId(batchId))}/revert`, { signal: options.signal }))!));
  }

  /**
   * Uploads one atomic batch: `POST /v1/batches` for at most `chunkSize` items, otherwise a staged
   * upload (`/v1/uploads`) with up to `concurrency` chunks in flight and one commit. Chunks the
   * server already holds (from an interrupted attempt with this batch id) are not sent again; a
   * chunk whose request failed without an answer is only re-sent if the server does not hold it.
   *
   * @throws {@link RatestoreClientError} `RATESTORE_INVALID_BATCH` with the bad items (nothing is
   * written), `RATESTORE_ABORTED`, or the error of the request that failed.
   */
  async uploadBatch(items: UploadItems, options: UploadOptions = {}): Promise<UploadResult> {
    return this.#wrote(await uploadBatch(this.#transport, items, options));
  }

  /** The `min_version` of a read: the one asked for, or with read-your-writes this client's latest write. */
  #minVersion(options: RequestOptions): number | undefined {
    const wanted = Math.max(minVersionOf(options) ?? 0, this.#readYourWrites ? this.#lastWrite : 0);
    return wanted > 0 ? wanted : undefined;
  }

  /** The query parameters of a read besides its own: `as_of` and `min_version`. */
  #readQuery(options: ReadOptions): Record<string, number> {
    return versionQueryToWire({ asOf: options.asOf, minVersion: this.#minVersion(options) });
  }

  /** Notes the version a write made (for read-your-writes) and passes its result on. */
  #wrote<T extends { version: number }>(result: T): T {
    this.#lastWrite = Math.max(this.#lastWrite, result.version);
    return result;
  }

  /** `GET /v1/uploads/{id}`: a staged upload with its chunks, a committed batch, or undefined. */
  async uploadStatus(batchId: string, options: RequestOptions = {}): Promise<UploadStatus | undefined> {
    return this.#uploadStatus(checkBatchId(batchId), options.signal);
  }

  /** `DELETE /v1/uploads/{id}`: drops a staged upload; false when there was none. */
  async abortUpload(batchId: string, options: RequestOptions = {}): Promise<boolean> {
    const done = await this.#call<null>('DELETE', uploadPath(checkBatchId(batchId)), { signal: options.signal, notFound: ['RATESTORE_UNKNOWN_BATCH'] });
    return done !== undefined;
  }

  /** `GET /v1/uploads/{id}`; `once`: a single attempt, no retries. */
  async #uploadStatus(batchId: string, signal: AbortSignal | undefined, once = false): Promise<UploadStatus | undefined> {
    const wire = await this.#call<UploadWire>('GET', uploadPath(batchId), { signal, notFound: ['RATESTORE_UNKNOWN_BATCH'], noRetry: once });
    return wire === undefined ? undefined : uploadFromWire(wire);
  }

  /**
   * The chunks the server holds of a staged upload, or undefined when it cannot tell. A server that
   * died mid-request loses the answers of every chunk in flight at once: the chunks asking while a
   * lookup is pending share it rather than each sending its own. Sharing a lookup that began before
   * a chunk's answer was lost is safe: a staged chunk stays held, so an early answer can only miss
   * the chunk, and re-sending it replaces it with the same items.
   */
  #heldChunks(batchId: string, signal: AbortSignal): Promise<readonly number[] | undefined> {
    return this.#heldLookups.join(batchId, async () => {
      // One attempt: if the server is still away, sending the chunk again backs off as usual.
      const status = await this.#uploadStatus(batchId, signal, true).catch(() => undefined);
      return status?.state === 'staged' && Array.isArray(status.chunks) ? status.chunks : undefined;
    });
  }

  #uploadTransport(): UploadTransport {
    return {
      writeBatch: async (items, batchId, signal) =>
        commitFromWire((await this.#call<CommitWire>('POST', '/v1/batches', { ...ndjsonBody(items), headers: { 'idempotency-key': batchId }, signal }))!),
      beginUpload: async (batchId, signal) =>
        uploadFromWire((await this.#call<UploadWire>('POST', '/v1/uploads', { body: JSON.stringify({ batch_id: batchId }), contentType: 'application/json', headers: { 'idempotency-key': batchId }, signal }))!),
      putChunk: async (batchId, chunk, items, signal) => {
        await this.#call('PUT', `${uploadPath(batchId)}/chunks/${chunk}`, {
          ...chunkBody(items),
          signal,
          // After a lost answer (the server may have died mid-request), ask whether it holds the chunk.
          beforeResend: async () => ((await this.#heldChunks(batchId, signal))?.includes(chunk) === true ? { value: null } : undefined)
        });
      },
      commitUpload: async (batchId, signal) => commitFromWire((await this.#call<CommitWire>('POST', `${uploadPath(batchId)}/commit`, { signal, timeoutMs: this.#commitTimeoutMs }))!),
      discardUpload: async (batchId) => {
        await this.#call('DELETE', uploadPath(batchId), { notFound: ['RATESTORE_UNKNOWN_BATCH'], timeoutMs: Math.min(this.#timeoutMs, 10_000), noRetry: true }).catch(() => undefined);
      }
    };
  }

  /**
   * One request with retries. Resolves the parsed JSON body (null for 204), or undefined for a 404
   * listed in `notFound`; rejects with a {@link RatestoreClientError}.
   */
  async #call<T>(method: string, path: string, options: CallOptions = {}): Promise<T | undefined> {
    const { signal } = options;
    throwIfAborted(signal);
    const url = new URL(this.#base + path);
    for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { ...this.#headers, ...options.headers };
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    const policy = this.#retry;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const result = await this.#attempt(method, url.href, headers, options.body, signal, timeoutMs, attempt);
      if (result.ok) {
        return result.value as T;
      }
      const failure = result.error;
      if (failure.status === 404 && failure.parameter !== undefined && options.notFound?.includes(String(failure.code))) return undefined;
      if (!failure.retryable || options.noRetry === true) throw failure;
      const elapsed = Date.now() - started;
      const remaining = policy.maxElapsedMs - elapsed;
      if (attempt > policy.retries || remaining <= 0 || (failure.retryAfterMs !== undefined && failure.retryAfterMs > remaining)) {
        (await retryLog())?.('%s %s: giving up after %d attempt(s) in %d ms: %s', method, url.href, attempt, elapsed, failure.message);
        throw failure;
      }
      const delay = Math.min(backoffDelay(policy, attempt - 1, failure.retryAfterMs), remaining);
      await this.#retrying({ method, url: url.href, attempt, error: failure, delayMs: Math.round(delay), elapsedMs: elapsed });
      try {
        await sleep(delay, signal);
      } catch {
        throw abortedError(signal!);
      }
      if (failure.status === undefined && options.beforeResend !== undefined) {
        const done = await options.beforeResend();
        throwIfAborted(signal);
        if (done !== undefined) return done.value as T;
      }
    }
  }

  /** Tells the debug log and the `onRetry` hook that a retry follows. */
  async #retrying(event: RetryEvent): Promise<void> {
    (await retryLog())?.('%s %s: attempt %d failed (%s: %s); retrying in %d ms', event.method, event.url, event.attempt, event.error.code, event.error.message, event.delayMs);
    try {
      this.#onRetry?.(event);
    } catch {
      // A failing hook must not fail the request.
    }
  }

  /** One attempt: fetch, read the body, turn a failure into an error (with `attempts` set). */
  async #attempt(method: string, url: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined, timeoutMs: number, attempt: number): Promise<{ ok: true; value: unknown } | { ok: false; error: RatestoreClientError }> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(url, { method, headers, ...(body === undefined ? {} : { body }), signal: controller.signal });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted === true) throw abortedError(signal);
      if (timedOut) return { ok: false, error: new RatestoreClientError('RATESTORE_TIMEOUT', `${method} ${url}: no complete answer within ${timeoutMs} ms (attempt ${attempt})`, { attempts: attempt, cause: error }) };
      const final = finalCause(causeCode(error));
      const why = final === undefined ? '' : `; not retried: ${final}`;
      return { ok: false, error: new RatestoreClientError('RATESTORE_CONNECTION_FAILED', `${method} ${url}: ${describe(error)} (attempt ${attempt}${why})`, { attempts: attempt, cause: error, ...(final === undefined ? {} : { retryable: false }) }) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    const type = response.headers.get('content-type') ?? '';
    let parsed: unknown = null;
    if (text !== '' && /json/i.test(type)) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
    }
    if (response.ok) {
      if (parsed === undefined || (parsed === null && response.status !== 204)) {
        return { ok: false, error: new RatestoreClientError('RATESTORE_UNEXPECTED_RESPONSE', `${method} ${url}: ${response.status} without a JSON body`, { status: response.status, attempts: attempt }) };
      }
      return { ok: true, value: parsed };
    }
    return { ok: false, error: problemError(method, url, response, parsed, text, attempt) };
  }
}

/** An error answer as an error: the problem document's code, parameter and issues when there is one. */
function problemError(method: string, url: string, response: Response, parsed: unknown, text: string, attempt: number): RatestoreClientError {
  const problem = problemFromWire(parsed);
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const requestId = problem?.requestId ?? response.headers.get('x-request-id') ?? undefined;
  const detail = problem?.detail ?? `${response.status} ${response.statusText} ${text.slice(0, 200)}`.trim();
  const { parameter, field, issues, issueCount } = problem ?? {};
  return new RatestoreClientError(problem?.code ?? 'RATESTORE_UNEXPECTED_RESPONSE', `${detail} (${method} ${new URL(url).pathname}: ${response.status})`, {
    status: response.status,
    ...(parameter === undefined ? {} : { parameter }),
    ...(field === undefined ? {} : { field }),
    ...(issues === undefined ? {} : { issues, issueCount }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(requestId === undefined ? {} : { requestId }),
    attempts: attempt
  });
}

function positive(value: unknown, name: string): number {
  if (typeof value !== 'number' || !(value > 0)) throw invalidArgument(name, `must be a positive number of milliseconds, got ${String(value)}`);
  return value;
}

/** The server's address: an http or https URL. */
function httpUrl(value: unknown): URL {
  let url: URL | undefined;
  try {
    url = value === undefined || value === null ? undefined : new URL(String(value));
  } catch {
    // Not a URL at all: refused below like any other.
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw invalidArgument('baseUrl', `must be an http or https URL, got ${String(value)}`);
  return url;
}
